#!/bin/bash -eu
# Builds the fuzz targets following the OSS-Fuzz / ClusterFuzzLite build contract.
#
# Inputs (set by OSS-Fuzz, or by hand):  CC, CFLAGS (sanitizer and coverage flags), LIB_FUZZING_ENGINE
# (the engine's link flag or archive), SRC (sources root), OUT (where the results go), WORK (scratch,
# optional: defaults to $OUT/../work). The project is found from this script's own location.
# Outputs in $OUT, for every fuzz/fuzz_<target>.c:
#   <target>                 the fuzzer binary
#   <target>_seed_corpus.zip corpus/<target>/ (regressions/ included)
#   <target>.dict            fuzz/<target>.dict
#   <target>.options         fuzz/<target>.options when present, else dict and max_len defaults
#   lib/                     the shared libraries the binaries need beyond glibc (the OSS-Fuzz runner
#                            image has no jansson, curl or microhttpd); the binaries look there first
set -o pipefail
: "${CC:?} ${CFLAGS?} ${LIB_FUZZING_ENGINE:?} ${SRC:?} ${OUT:?}"
project_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work_dir=${WORK:-$OUT/../work}
build_dir=$work_dir/ecsconf-fuzz-build
jobs=${ECSCONF_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}

# OSS-Fuzz coverage and introspector builds carry no sanitizer in CFLAGS: allow exactly those.
coverage_build=OFF
case "${SANITIZER:-}" in coverage | introspector) coverage_build=ON ;; esac

mkdir -p "$OUT" "$build_dir"
cmake -S "$project_dir" -B "$build_dir" \
    -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_EXE_LINKER_FLAGS="-Wl,--as-needed -Wl,-rpath,\$ORIGIN/lib" \
    -DECSCONF_FUZZ=ON -DECSCONF_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
    -DECSCONF_FUZZ_COVERAGE_BUILD="$coverage_build" -DBUILD_TESTING=OFF >/dev/null
# ECSCONF_FUZZ_TARGETS (not part of the contract) limits the build to some targets: the local ctest
# uses it to stay fast. Default: every fuzz/fuzz_*.c.
if [ -n "${ECSCONF_FUZZ_TARGETS:-}" ]; then
    read -r -a targets <<<"$ECSCONF_FUZZ_TARGETS"
else
    targets=()
    for src in "$project_dir"/fuzz/fuzz_*.c; do targets+=("$(basename "$src" .c)"); done
fi
build_targets=()
for target in "${targets[@]}"; do build_targets+=(--target "$target"); done
cmake --build "$build_dir" "${build_targets[@]}" -j"$jobs"

mkdir -p "$OUT/lib"
for target in "${targets[@]}"; do
    cp "$build_dir/fuzz/$target" "$OUT/$target"
    corpus="$project_dir/corpus/$target"
    if [ -d "$corpus" ]; then
        rm -f "$OUT/${target}_seed_corpus.zip"
        (cd "$corpus" && find . -type f ! -name '.*' | sort | zip -q -X "$OUT/${target}_seed_corpus.zip" -@)
    fi
    if [ -f "$project_dir/fuzz/$target.dict" ]; then
        cp "$project_dir/fuzz/$target.dict" "$OUT/$target.dict"
    fi
    if [ -f "$project_dir/fuzz/$target.options" ]; then
        cp "$project_dir/fuzz/$target.options" "$OUT/$target.options"
    else
        {
            echo "[libfuzzer]"
            [ -f "$OUT/$target.dict" ] && echo "dict = $target.dict"
            echo "max_len = 65536"
        } >"$OUT/$target.options"
    fi
    # Ship the non-glibc shared libraries beside the binaries (found through the $ORIGIN/lib rpath).
    ldd "$OUT/$target" | awk '/=> \// { print $3 }' | while read -r lib; do
        case "$(basename "$lib")" in
        libc.so* | libm.so* | libdl.so* | libpthread.so* | librt.so* | ld-linux* | libresolv.so* | libstdc++.so* | libgcc_s.so*) ;;
        *) cp -L -n "$lib" "$OUT/lib/" ;;
        esac
    done
done
echo "fuzz/build.sh: $(find "$OUT" -maxdepth 1 -name 'fuzz_*' -type f -executable | wc -l) fuzzers in $OUT"
