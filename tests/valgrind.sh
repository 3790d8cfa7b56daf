#!/usr/bin/env bash
# Runs the unit tests, the examples of docs/library.md, the language tests, the pack's cases and
# the main commands under valgrind memcheck: any invalid read or write, use of uninitialised
# memory, or definite leak fails.
# Usage: tests/valgrind.sh BUILD_DIR (a normal, non-sanitizer build)
set -u
build=${1:-build}
vg=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --track-origins=yes
    --suppressions="$(dirname "$0")/pango.supp") # fontconfig's and pango's leaks, not ours
# the programs that sample many cases are scaled down here (memcheck runs 20 to 50 times slower):
# what they check is checked at full size by the suite, natively and under the sanitizers
export CAV_GEO_POINTS=20000 CAV_DIFF_PACKS=40 CAV_AREA_SCALE=10 CAV_OOM_BUDGET=15 \
  CAV_GEO_REF_POINTS=40 CAV_AUDIT_CACHE_ROWS=3000
fail=0 runs=0
# memcheck runs a program on one core: the runs go side by side, one per core (VG_JOBS)
jobs_max=${VG_JOBS:-$(nproc)}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() {
  runs=$((runs + 1))
  printf '%s\n' "$*" > "$out/$runs.cmd"
  ( "${vg[@]}" "$@" > "$out/$runs.out" 2> "$out/$runs.err"; echo $? > "$out/$runs.rc" ) &
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
}
# after every run has ended: each one's status, in the order they were started
report() {
  wait
  for i in $(seq 1 "$runs"); do
    local cmd rc
    cmd=$(cat "$out/$i.cmd")
    rc=$(cat "$out/$i.rc" 2> /dev/null || echo 98)
    # exit 1 from caveat check means "a line was an error", expected for the bad example line
    if [ "$rc" -ne 0 ] && ! { [ "$rc" -eq 1 ] && [ "$(basename "${cmd%% *}")" = caveat ]; }; then
      echo "valgrind FAIL ($rc): $cmd"
      tail -30 "$out/$i.err"
      fail=$((fail + 1))
    else
      echo "valgrind ok: $cmd"
    fi
  done
}
for t in "$build"/test_*; do [ -x "$t" ] && run "$t"; done
# the programs of docs/library.md, as a user's program uses the library (stream reads a file)
for t in "$build"/examples/*; do
  [ -x "$t" ] || continue
  if [ "${t##*/}" = stream ]; then run "$t" examples/queries.ndjson; else run "$t"; fi
done
# the fuzz corpora and the review's findings, through each target
for t in "$build"/replay_*; do
  [ -x "$t" ] || continue
  name=${t##*/replay_}
  dirs=(tests/fuzz/corpus/"$name")
  [ -d tests/fuzz/findings/"$name" ] && dirs+=(tests/fuzz/findings/"$name")
  run "$t" "${dirs[@]}"
done
run "$build/cav_langtest" tests/lang/*.test
run "$build/caveat" test
run "$build/caveat" check examples/queries.ndjson
run "$build/caveat" check --explain --format text examples/queries.ndjson
run "$build/caveat" lint --overlaps packs/default
run "$build/caveat" fmt packs/default/us.cav
run "$build/caveat" timeline --format json
run "$build/caveat" diff 2024-05-29 2024-11-20 --format md
run "$build/caveat" sources
run "$build/caveat" where 50.6 36.59
run "$build/caveat" lint tests/fuzz/corpus/policy
run "$build/caveat" lint docs/examples/sub
run "$build/caveat" zones --format svg -o /tmp/cav-vg.svg
run "$build/caveat" zones --weapon gmlrs --kind forces --role attacking --purpose counterfire \
  --date 2024-06-10 --format geojson -o /tmp/cav-vg.geojson
run "$build/caveat" diff --weapon atacms --kind forces --role attacking --format svg \
  -o /tmp/cav-vg-diff.svg 2024-11-16 2024-11-17
run "$build/caveat" catalog rule --format json
run "$build/caveat" can --date 2024-06-10 --lat 50.6 --lon 36.59 --kind forces --role attacking
run "$build/caveat" test --coverage
rm -rf /tmp/cav-vg-pack; run "$build/caveat" pack export /tmp/cav-vg-pack
"$build/caveat" sample --rows 2000 --seed 7 --bad-rate 0.05 > /tmp/cav-vg.csv
run "$build/caveat" audit --quiet --threads 2 --summary /tmp/cav-vg-summary.json \
  -o /tmp/cav-vg-out.csv /tmp/cav-vg.csv
run "$build/caveat" audit --quiet --threads 2 -f ndjson -o /tmp/cav-vg-out.ndjson /tmp/cav-vg.csv
report
echo "$runs runs, $fail failed under valgrind"
[ "$fail" -eq 0 ]
