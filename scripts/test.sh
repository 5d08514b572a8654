#!/usr/bin/env bash
# Builds everything with warnings as errors and runs the whole test suite.
# BUILD_DIR (default build-test) and BUILD_TYPE (default Debug) can be overridden.
#
# With CI=true or --all it then also:
#  - builds the fuzzers with clang (FUZZ_BUILD_DIR, default build-fuzz) and runs
#    each for FUZZ_SECONDS (default 30) on its seed corpus;
#  - builds with AddressSanitizer + UndefinedBehaviorSanitizer (ASAN_BUILD_DIR,
#    default build-asan) and runs the whole suite again there.
set -euo pipefail
cd "$(dirname "$0")/.."
all=0
for arg in "$@"; do
    case "$arg" in
        --all) all=1 ;;
        *) echo "usage: $0 [--all]" >&2; exit 2 ;;
    esac
done
[ "${CI:-}" = true ] && all=1

if ((all)); then scripts/bootstrap.sh --all; else scripts/bootstrap.sh; fi
build=${BUILD_DIR:-build-test}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Debug}" -DOPTIVERSE_WERROR=ON ${CMAKE_ARGS:-}
cmake --build "$build" -j"$(nproc)"
(cd "$build" && QT_QPA_PLATFORM=offscreen ctest --output-on-failure --timeout 300 ${CTEST_ARGS:-})
((all)) || exit 0

# --- fuzzers: libFuzzer + ASan + UBSan, clang only ----------------------------
fuzz_build=${FUZZ_BUILD_DIR:-build-fuzz}
# WERROR off: clang's -Wpedantic flags Qt's logging macros in the server code.
cmake -S . -B "$fuzz_build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
      -DOPTIVERSE_FUZZ=ON -DOPTIVERSE_WERROR=OFF -DBUILD_TESTING=OFF
cmake --build "$fuzz_build" -j"$(nproc)" --target fuzz_message fuzz_session_state fuzz_beacon
fuzz_work=$(mktemp -d)
trap 'rm -rf "$fuzz_work"' EXIT
for target in fuzz_message fuzz_session_state fuzz_beacon; do
    mkdir -p "$fuzz_work/$target" "$fuzz_build/findings"
    dict=()
    [ -f "fuzz/$target.dict" ] && dict=(-dict="fuzz/$target.dict")
    echo "Fuzzing $target for ${FUZZ_SECONDS:-30} s"
    if ! "$fuzz_build/bin/$target" -max_total_time="${FUZZ_SECONDS:-30}" "${dict[@]}" \
            -artifact_prefix="$fuzz_build/findings/" "$fuzz_work/$target" "fuzz/corpus/$target" \
            >"$fuzz_work/$target.log" 2>&1; then
        tail -n 60 "$fuzz_work/$target.log"
        echo "$target found a problem; the input is in $fuzz_build/findings/ (see fuzz/README.md)" >&2
        exit 1
    fi
    tail -n 1 "$fuzz_work/$target.log"
done

# --- the whole suite under ASan + UBSan ---------------------------------------
asan_build=${ASAN_BUILD_DIR:-build-asan}
cmake -S . -B "$asan_build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DOPTIVERSE_WERROR=ON -DOPTIVERSE_SANITIZE=ON
cmake --build "$asan_build" -j"$(nproc)"
# LeakSanitizer is on. Qt's libraries have no frame pointers, so the fast
# unwinder stops at the first Qt frame: the slow one (8 frames) is needed to
# say where a leak comes from and to suppress the one leak that is Qt's own
# (~QWebSocket in Qt 6.4 leaks a QString it builds while closing). UBSan stops at
# the first finding (-fno-sanitize-recover=undefined plus halt_on_error), and
# so does ASan.
printf '%s\n' '# Qt 6.4: ~QWebSocket leaks a QString it builds while closing.' 'leak:libQt6WebSockets.so' >"$asan_build/lsan.supp"
(cd "$asan_build" && QT_QPA_PLATFORM=offscreen \
    ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1:fast_unwind_on_malloc=0:malloc_context_size=8 \
    LSAN_OPTIONS=suppressions="$PWD/lsan.supp":print_suppressions=0 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --output-on-failure --timeout 600 ${CTEST_ARGS:-})
