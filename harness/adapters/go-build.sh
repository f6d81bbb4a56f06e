#!/usr/bin/env bash
# Builds the Go SDK adapters offline from Debian's packages: go-build.sh OUT_DIR
#   OUT_DIR/go-v1  from harness/adapters/go-v1 (golang-github-aws-aws-sdk-go-dev)
#   OUT_DIR/go-v2  from harness/adapters/go-v2 (golang-github-aws-aws-sdk-go-v2-dev)
# both with harness/adapters/go-common (the contract's parameters, deadline and answer line).
# GOPATH mode over /usr/share/gocode (where Debian puts Go sources), no module proxy, no network. Go's
# build cache (default ~/.cache/go-build) makes a second build take seconds; the first takes about a
# minute (the v1 ECS package is large). Exits 77 with the reason when go or a package is missing.
set -euo pipefail
out="${1:?usage: go-build.sh OUT_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
src=/usr/share/gocode/src/github.com/aws
command -v go >/dev/null 2>&1 || { echo "SKIP: go is not installed (Debian golang-go)"; exit 77; }
[ -d "$src/aws-sdk-go/service/ecs" ] ||
    { echo "SKIP: golang-github-aws-aws-sdk-go-dev is not installed"; exit 77; }
[ -d "$src/aws-sdk-go-v2/service/ecs" ] ||
    { echo "SKIP: golang-github-aws-aws-sdk-go-v2-dev is not installed"; exit 77; }
mkdir -p "$out"
# What both adapters share (go-common/) is the package "ecsconf/adapter" of a GOPATH entry in OUT_DIR.
shared="$out/gopath/src/ecsconf/adapter"
mkdir -p "$shared"
cp "$here/go-common/"*.go "$shared/"
export GOPATH="$out/gopath:/usr/share/gocode" GO111MODULE=off GOFLAGS= GOPROXY=off
# go needs a build cache; without HOME (a bare CI environment) it would refuse to build.
if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then
    export GOCACHE="$out/go-cache"
fi
for v in v1 v2; do
    (cd "$here/go-$v" && go build -o "$out/go-$v.tmp" . && mv "$out/go-$v.tmp" "$out/go-$v")
done
