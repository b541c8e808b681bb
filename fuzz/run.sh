#!/usr/bin/env bash
# `make fuzz`: run every libFuzzer target of BUILD_DIR for SECONDS seconds each, one after
# the other, on a scratch copy of its seed corpus (fuzz/corpus/<target>, dictionary
# fuzz/<target>.dict when present). Prints a table of execs, execs/s, coverage (cov/ft from
# libFuzzer's final stats) and findings; a finding prints its reproducer path and bytes and
# makes the script exit nonzero. New corpus entries stay in the scratch directory.
#   fuzz/run.sh BUILD_DIR SECONDS [target...]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?build dir}
secs=${2:-60}
shift 2 || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_blobs fuzz_records fuzz_kx12 fuzz_calls fuzz_sign fuzz_engine fuzz_client fuzz_server)
out="$build/fuzz-out"
mkdir -p "$out"

rows=()
failed=0
for t in "${targets[@]}"; do
    bin="$build/fuzz/$t"
    [ -x "$bin" ] || { echo "fuzz: $bin is missing (cmake --build $build)" >&2; exit 2; }
    work="$out/$t"
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts"
    cp "$here/corpus/$t"/* "$work/corpus/" 2>/dev/null || true
    dict=()
    [ -f "$here/$t.dict" ] && dict=(-dict="$here/$t.dict")
    echo "fuzz: $t for ${secs}s" >&2
    start=$(date +%s.%N)
    # -rss_limit_mb: the provider keeps per-provider caches; 2 GB is far above them.
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=25 -rss_limit_mb=2048 \
        -max_len=4096 -artifact_prefix="$work/artifacts/" "${dict[@]}" \
        "$work/corpus" "$here/regressions/$t" > "$work/log.txt" 2>&1
    rc=$?
    end=$(date +%s.%N)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log.txt" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log.txt" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$work/log.txt" | tail -1 | cut -d' ' -f2)
    ft=$(grep -oE 'ft: [0-9]+' "$work/log.txt" | tail -1 | cut -d' ' -f2)
    found=$(find "$work/artifacts" -type f | wc -l)
    if [ "$rc" -ne 0 ] && [ "$found" -eq 0 ]; then found=1; fi
    rows+=("$(printf '%-14s %10s %9s %7s %7s %9s %7.0fs' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$found" "$(echo "$end - $start" | bc)")")
    if [ "$found" -ne 0 ]; then
        failed=1
        echo "fuzz: $t FOUND a problem (exit $rc):" >&2
        grep -E 'INVARIANT BROKEN|ERROR: AddressSanitizer|runtime error|ERROR: libFuzzer|SUMMARY' "$work/log.txt" | head -5 >&2
        for a in "$work/artifacts"/*; do
            [ -f "$a" ] || continue
            echo "fuzz: reproducer $a ($(stat -c %s "$a") bytes):" >&2
            xxd "$a" | head -64 >&2
            echo "fuzz: replay with  $bin $a; regression: cp it to fuzz/regressions/$t/" >&2
        done
        [ -n "$(ls -A "$work/artifacts")" ] || tail -20 "$work/log.txt" >&2
    fi
done

printf '\n%-14s %10s %9s %7s %7s %9s %8s\n' target execs execs/s cov ft findings time
for r in "${rows[@]}"; do echo "$r"; done
[ "$failed" -eq 0 ] || { echo "fuzz: findings above (logs in $out/<target>/log.txt)"; exit 1; }
