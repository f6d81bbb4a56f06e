#!/usr/bin/env bash
# ctest install.deb: builds the Debian package with `cpack -G DEB` and checks it as a user of the package
# would, without installing it on this machine. The package is made from an install tree this test
# stages with `cmake --install --prefix /usr` (the install rules cpack runs), handed to cpack as
# CPACK_INSTALLED_DIRECTORIES: cpack's own install step first builds the `preinstall` target, which would
# rebuild the build folder under a running ctest (and takes most of cpack's time). Everything else is
# the project's package configuration (build/CPackConfig.cmake and the Depends script). Checked:
#   - the control data (dpkg-deb -I): name, version, architecture, maintainer, section, a description with
#     a summary line, and Depends naming the shared libraries the binary links (computed by
#     dpkg-shlibdeps: libc6, libcurl4, libjansson4, libmicrohttpd12, libssl3);
#   - the contents (dpkg-deb -c): exactly the staged install tree under /usr, owned by root, with the
#     named pieces a user looks for (which the install rules must provide):
#     bin/ecsconf, the suite data, the man pages, libecsconf.a, the headers, ecsconf.pc and the CMake
#     package files; nothing from a build or source folder;
#   - unpacked with `dpkg-deb -x` into a temporary root, its ecsconf finds its data beside itself, runs a
#     few cases against the embedded emulator, and its ecsconf.pc points into that root.
# Usage: package.sh BUILD_DIR
set -u
build=$1
for tool in cpack dpkg-deb dpkg-shlibdeps dpkg; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool not found (scripts/install-deps.sh installs dpkg-dev and cmake)"
        exit 77
    fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecsconf-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export NO_COLOR=1
fail=0
ok() { echo "ok: $*"; }
bad() {
    echo "FAIL: $*"
    fail=1
}

if ! DESTDIR="$tmp/staged" cmake --install "$build" --prefix /usr >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log"
    echo "FAIL: cmake --install --prefix /usr into a staging folder"
    exit 1
fi
if ! cpack --config "$build/CPackConfig.cmake" -G DEB -B "$tmp/out" -D CPACK_INSTALL_CMAKE_PROJECTS= \
    -D "CPACK_INSTALLED_DIRECTORIES=$tmp/staged;." >"$tmp/cpack.log" 2>&1; then
    cat "$tmp/cpack.log"
    echo "FAIL: cpack -G DEB"
    exit 1
fi
if grep -qi "warning" "$tmp/cpack.log"; then bad "cpack warned: $(grep -i warning "$tmp/cpack.log")"; fi
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
arch=$(dpkg --print-architecture)
deb="$tmp/out/ecsconf_${version}_${arch}.deb"
[ -n "$version" ] && [ -f "$deb" ] && ok "cpack wrote $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)" || {
    bad "no package ecsconf_${version}_${arch}.deb in: $(ls "$tmp/out")"
    exit 1
}

# Control data.
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = ecsconf ] && ok "Package: ecsconf" || bad "Package: $(field Package)"
[ "$(field Version)" = "$version" ] && ok "Version: $version" || bad "Version: $(field Version)"
[ "$(field Architecture)" = "$arch" ] && ok "Architecture: $arch" || bad "Architecture: $(field Architecture)"
[ "$(field Section)" = devel ] && ok "Section: devel" || bad "Section: $(field Section)"
grep -qE '^.+ <[^ >]+@[^ >]+>$' <<<"$(field Maintainer)" && ok "Maintainer: $(field Maintainer)" ||
    bad "Maintainer is not 'name <address>': $(field Maintainer)"
description=$(field Description)
if grep -q "^Conformance and fuzz testing suite for the Amazon ECS RunTask API" <<<"$description" &&
    [ "$(wc -l <<<"$description")" -gt 3 ]; then
    ok "Description: a summary line and a long description"
else
    bad "Description: $description"
fi
depends=$(field Depends)
for lib in libc6 libcurl4 libjansson4 libmicrohttpd12 'libssl3|libssl1.1'; do
    grep -qE "(^|, )($lib)( \(|,|$)" <<<"$depends" && ok "Depends names $lib" || bad "Depends lacks $lib: '$depends'"
done
grep -q "libjansson-dev" <<<"$(field Suggests)" && ok "Suggests the -dev packages for building against the library" ||
    bad "Suggests: $(field Suggests)"
dpkg-deb -I "$deb" >"$tmp/info.txt" && grep -q "control" "$tmp/info.txt" && ok "dpkg-deb -I reads the control archive" ||
    bad "dpkg-deb -I: $(cat "$tmp/info.txt")"

# Contents: the install tree under /usr, owned by root, with the pieces users look for.
dpkg-deb -c "$deb" >"$tmp/contents.txt" || bad "dpkg-deb -c failed"
awk '$1 !~ /^d/ {print $6}' "$tmp/contents.txt" | grep -v '^\./usr/' | head -3 >"$tmp/outside.txt"
[ ! -s "$tmp/outside.txt" ] && ok "every file is under /usr" || bad "files outside /usr: $(cat "$tmp/outside.txt")"
awk '$1 !~ /^d/ {print $6}' "$tmp/contents.txt" | sed 's|^\./usr/||' | sort >"$tmp/deb-files.txt"
(cd "$tmp/staged/usr" && find . ! -type d | sed 's|^\./||' | sort) >"$tmp/install-files.txt"
if diff "$tmp/install-files.txt" "$tmp/deb-files.txt" >"$tmp/files.diff"; then
    ok "the package holds exactly the $(wc -l <"$tmp/deb-files.txt") files cmake --install installs"
else
    bad "package and cmake --install differ (< install only, > package only):"
    head -20 "$tmp/files.diff"
fi
awk '{print $2}' "$tmp/contents.txt" | sort -u | grep -vx 'root/root' >"$tmp/owners.txt"
[ ! -s "$tmp/owners.txt" ] && ok "every file owned by root/root" || bad "owners other than root: $(head -3 "$tmp/owners.txt")"
has() { grep -qE "$1" "$tmp/deb-files.txt"; }
for want in '^bin/ecsconf$' '^share/ecsconf/conformance/profiles/moto\.expect-fail$' \
    '^share/ecsconf/conformance/[a-z]+/.+\.json$' '^share/ecsconf/fixtures/.+\.json$' \
    '^share/ecsconf/client-cases/.+\.json$' '^share/ecsconf/adapters/boto3_adapter\.py$' \
    '^share/man/man1/ecsconf\.1$' '^share/man/man1/ecsconf-run\.1$' '^share/man/man1/ecsconf-client\.1$' \
    '^lib/(.+/)?libecsconf\.a$' '^include/ecc/sigv4\.h$' '^include/ecc/client\.h$' \
    '^lib/(.+/)?pkgconfig/ecsconf\.pc$' '^lib/(.+/)?cmake/ecsconf/ecsconfConfig\.cmake$' \
    '^lib/(.+/)?cmake/ecsconf/ecsconfConfigVersion\.cmake$' '^lib/(.+/)?cmake/ecsconf/ecsconfTargets\.cmake$' \
    '^share/doc/ecsconf/README\.md$'; do
    has "$want" && ok "holds $want" || bad "does not hold $want"
done
src_cases=$(find "$(dirname "$0")/../conformance" -mindepth 2 -name '*.json' | wc -l)
deb_cases=$(grep -cE '^share/ecsconf/conformance/[^/]+/.+\.json$' "$tmp/deb-files.txt")
[ "$src_cases" = "$deb_cases" ] && ok "all $src_cases suite files of conformance/" ||
    bad "conformance/: $src_cases files in the source, $deb_cases in the package"
grep -E '(^|/)(node_modules|__pycache__|CMakeFiles|_CPack_Packages)(/|$)' "$tmp/deb-files.txt" >"$tmp/junk.txt"
[ ! -s "$tmp/junk.txt" ] && ok "nothing from a build folder" || bad "build leftovers: $(head -3 "$tmp/junk.txt")"
grep -qE '^-rwxr-xr-x .* \./usr/bin/ecsconf$' "$tmp/contents.txt" && ok "bin/ecsconf is executable (0755)" ||
    bad "bin/ecsconf mode: $(grep '/usr/bin/ecsconf$' "$tmp/contents.txt")"

# Unpacked into a temporary root: the command works from there and finds its data beside itself.
dpkg-deb -x "$deb" "$tmp/root" || bad "dpkg-deb -x failed"
bin="$tmp/root/usr/bin/ecsconf"
mkdir -p "$tmp/elsewhere"
cd "$tmp/elsewhere" || exit 1
out=$(env -u ECSCONF_DATA_DIR "$bin" version 2>&1)
grep -qF "data: $tmp/root/usr/share/ecsconf (installed beside the binary)" <<<"$out" &&
    ok "unpacked ecsconf version: $(head -1 <<<"$out")" || bad "unpacked ecsconf version: $out"
out=$(env -u ECSCONF_DATA_DIR "$bin" run --only 'errors/*' 2>&1)
rc=$?
[ $rc = 0 ] && grep -qE '^OK: [0-9]+ cases, [0-9]+ passed, 0 failed' <<<"$out" &&
    ok "unpacked ecsconf run --only 'errors/*': $(tail -1 <<<"$out")" || bad "unpacked ecsconf run: exit $rc: $(tail -3 <<<"$out")"
pc=$(find "$tmp/root" -name ecsconf.pc | head -1)
if command -v pkg-config >/dev/null; then
    prefix=$(PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --variable=prefix ecsconf)
    [ "$(realpath -m "$prefix")" = "$tmp/root/usr" ] && ok "ecsconf.pc points into the unpacked root" ||
        bad "ecsconf.pc prefix: $prefix"
fi
exit $fail
