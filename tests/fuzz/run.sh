#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for SECONDS (default 60)
# (targets: policy, query, csv, geojson, diff, coords; FUZZ_TARGETS="a b" picks some)
# from the seed corpora in tests/fuzz/corpus. Crashes are written to build-fuzz/ and fail the run.
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCAV_FUZZ=ON -DCAV_ASAN=ON -DCAV_UBSAN=ON \
  -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-fuzz -j2 --target fuzz_policy fuzz_query fuzz_csv fuzz_geojson fuzz_diff fuzz_coords >/dev/null
status=0
for t in ${FUZZ_TARGETS:-policy query csv geojson diff coords}; do
  mkdir -p "build-fuzz/corpus-$t"
  echo "fuzzing $t for ${seconds}s"
  set +e
  (cd build-fuzz && ./fuzz_$t -max_total_time="$seconds" -max_len=65536 -timeout=60 \
     -rss_limit_mb=2048 -print_final_stats=1 "corpus-$t" "$root/tests/fuzz/corpus/$t" $([ -d "$root/tests/fuzz/findings/$t" ] && echo "$root/tests/fuzz/findings/$t") \
     >"fuzz-$t.log" 2>&1)
  rc=$?
  set -e
  grep -E "^(stat::number_of_executed_units|stat::peak_rss)|ERROR|SUMMARY|runtime error" \
    "build-fuzz/fuzz-$t.log" || true
  if [ "$rc" -ne 0 ]; then
    echo "fuzz_$t failed (exit $rc); see build-fuzz/fuzz-$t.log"
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "fuzzing: no crash, leak or timeout"
exit "$status"
