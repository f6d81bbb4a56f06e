#!/usr/bin/env bash
# Installs the Debian packages ecsconf needs to build and test, only those that are missing.
# Idempotent: a machine that has everything runs no apt-get at all.
set -euo pipefail
case "${1:-}" in
-h | --help)
    cat <<'EOF'
Usage: scripts/install-deps.sh

Installs the Debian packages ecsconf needs to build and test (compilers, clang-format, the libraries'
-dev packages, cmocka, libFuzzer, man-db, dpkg-dev), only those that are missing, with apt-get (through
sudo when not root). A machine that has everything runs no apt-get at all.
Exit: 0 everything is installed, 2 an unknown argument; apt-get's status when it fails.
EOF
    exit 0
    ;;
"") ;;
*)
    echo "install-deps.sh: unknown argument '$1' (see --help)" >&2
    exit 2
    ;;
esac

packages=(
    cmake make pkg-config gcc clang clang-format
    libjansson-dev libcurl4-openssl-dev libssl-dev libcmocka-dev libmicrohttpd-dev
    libclang-rt-14-dev libfuzzer-14-dev
    zip unzip afl++
    man-db   # man -l renders the generated pages (ctest install.prefix)
    dpkg-dev # dpkg-shlibdeps computes the Debian package's Depends (cpack -G DEB, ctest install.deb)
    # the Go SDK adapters (ctests client.go-v1, client.go-v2), built offline from these packages
    golang-go golang-github-aws-aws-sdk-go-dev golang-github-aws-aws-sdk-go-v2-dev
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
