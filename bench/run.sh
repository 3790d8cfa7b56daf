#!/usr/bin/env bash
# The decision benchmarks of bench/RESULTS.md in one go, and their table:
#   1. bench_eval: ns per decision (CPU and wall, median of the runs) and allocations, on the
#      uniform mix (no uncertainty), the hard mix (targets within 3 km of zone edges) and the
#      uncertain mix (uncertainty_m 100 m to 5 km), queries the reader refuses reported apart;
#   2. instructions per decision on the same three mixes, counted by callgrind inside cav_eval
#      only (--toggle-collect), one dump per mix (--dump-after=time_eval): deterministic, whatever
#      the machine's load;
#   3. Cedar beside caveat on the same queries (bench/cedar/compare.mjs): every decision compared,
#      the ratio of the times from the same run.
# Prints a Markdown table with the commit and the date, and keeps every raw output in OUT.
# The locator's, the audit's and the service's figures have their own scripts (bench_locate,
# audit_compare.sh, serve_bench.sh) and files (RESULTS-geo.md, RESULTS-audit.md, RESULTS-serve.md).
#
# Usage: bench/run.sh [--quick] [--build DIR] [--out DIR] [--queries N] [--runs R]
#                     [--cedar-queries N] [--no-build]
#   default: 2,000,000 queries x 5 runs (hard and uncertain: a quarter each), callgrind on
#   40,000, Cedar on 1,000,000 (about 15 minutes on 2 loaded cores); --quick: 200,000 x 3,
#   callgrind on 8,000, Cedar on 20,000 (about 2 minutes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
out=
queries=2000000 runs=5 cg_queries=40000 cedar_queries=1000000 do_build=1
while [ $# -gt 0 ]; do
  case $1 in
    --quick) queries=200000 runs=3 cg_queries=8000 cedar_queries=20000; shift ;;
    --build) build=$(readlink -f "$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --queries) queries=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --cedar-queries) cedar_queries=$2; shift 2 ;;
    --no-build) do_build=0; shift ;;
    *) echo "usage: bench/run.sh [--quick] [--build DIR] [--out DIR] [--queries N] [--runs R] [--cedar-queries N] [--no-build]" >&2; exit 2 ;;
  esac
done
cd "$root"
commit=$(git rev-parse --short=7 HEAD)
[ -z "$(git status --porcelain -- src include bench packs CMakeLists.txt)" ] || commit="$commit+changes"
date=$(date -u +%Y-%m-%d)
out=${out:-$build/bench-results/$date-$commit}
mkdir -p "$out"
if [ $do_build = 1 ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$out/cmake.log"
  cmake --build "$build" -j2 --target caveat bench_eval >> "$out/cmake.log"
fi
for tool in valgrind node; do
  command -v $tool > "$out/which-$tool.txt" || { echo "bench/run.sh: $tool is missing (make setup installs it)" >&2; exit 1; }
done
[ -d bench/cedar/node_modules/@cedar-policy/cedar-wasm ] ||
  (cd bench/cedar && npm ci --no-audit --no-fund --loglevel=error)

{
  echo "commit $commit, $date; $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'))"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

echo "== bench_eval $queries $runs" >&2
"$build/bench_eval" "$queries" "$runs" | tee "$out/eval.txt"

echo "== callgrind: bench_eval $cg_queries 1" >&2
rm -f "$out"/callgrind.out*
valgrind --tool=callgrind --toggle-collect=cav_eval --dump-after=time_eval \
  --callgrind-out-file="$out/callgrind.out" "$build/bench_eval" "$cg_queries" 1 \
  > "$out/callgrind-eval.txt" 2> "$out/callgrind.log"

echo "== Cedar: compare.mjs --queries $cedar_queries" >&2
cedar_rc=0
node bench/cedar/compare.mjs --queries "$cedar_queries" --runs "$runs" --caveat "$build/caveat" \
  --bench "$build/bench_eval" --json "$out/cedar.json" --emit "$out/default-pack.cedar" \
  | tee "$out/cedar.txt" || cedar_rc=$?
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"

python3 - "$out" "$commit" "$date" "$cg_queries" << 'EOF'
import json, re, sys
out, commit, date, cgq = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
mixes = {}
for line in open(f"{out}/eval.txt"):
    m = re.match(r"(\w+) +(\d+) queries x (\d+) runs: ns per decision median ([\d.]+) \(min ([\d.]+), max ([\d.]+)\) CPU, ([\d.]+) wall; (.*)", line)
    if m:
        mixes[m[1]] = dict(n=int(m[2]), runs=int(m[3]), cpu=float(m[4]), lo=float(m[5]), hi=float(m[6]), wall=float(m[7]), allocs=m[8].strip())
        last = m[1]
    m = re.match(r" +decisions per run: (.*); refused by the query reader \(not timed\): (\d+); refused by cav_eval: (\d+)", line)
    if m:
        mixes[last].update(verdicts=m[1], refused=int(m[2]), rejected=int(m[3]))
# callgrind: dumps 1, 2, 3 are the uniform, hard and uncertain loops (cgq, cgq/4, cgq/4 decisions)
ir = {}
for i, (mix, n) in enumerate([("uniform", cgq), ("hard", cgq // 4), ("uncertain", cgq // 4)], 1):
    for line in open(f"{out}/callgrind.out.{i}"):
        if line.startswith("summary:"):
            ir[mix] = int(line.split()[1]) / n
cedar = json.load(open(f"{out}/cedar.json"))
head = cedar["caveat"]
runs = {r["way"]: r for r in cedar["cedar_runs"]}
flat = runs["flat, preparsed"]

def met(ok):
    return "yes" if ok else "**no**"

rows = []
def mixrow(key, title, target, ok):
    m = mixes[key]
    total = m["n"] + m["refused"]
    rows.append((title, f"**{m['cpu']:.1f} ns** median CPU (min {m['lo']:.1f}, max {m['hi']:.1f}; {m['wall']:.1f} wall), "
                 f"{m['allocs']}, {ir[key]:,.0f} instructions; {m['n']:,} queries x {m['runs']} runs; {m['verdicts']}; "
                 f"{m['refused']:,} of {total:,} generated refused by the query reader "
                 f"({100 * m['refused'] / total:.1f} %, not timed), {m['rejected']} by cav_eval", target, ok))
u, c = mixes["uniform"], mixes["uncertain"]
mixrow("uniform", "uniform mix, no uncertainty", "≤ 100 ns median, 0 allocations",
       met(u["cpu"] <= 100 and u["allocs"] == "allocations 0"))
mixrow("hard", "hard mix (targets ≤ 3 km from a zone edge)", "", "")
mixrow("uncertain", "uncertain mix (uncertainty_m 100 m-5 km)", "≤ 1 µs median", met(c["cpu"] <= 1000))
agree = all(r["differ"] == 0 for r in cedar["cedar_runs"]) and cedar["policy_errors"] == 0
rows.append(("Cedar (cedar-wasm %s) beside caveat, same queries" % cedar["cedar"],
             f"**{flat['ratio_cpu']:.0f}x** (CPU; {flat['ratio_wall']:.0f}x wall): Cedar {flat['cpu_us']:.1f} µs a decision "
             f"({flat['calls_per_decision']:.2f} calls, policies preparsed, flat context), caveat {head['caveat_cpu_ns']:.1f} ns; "
             f"{head['queries']:,} queries, every field given, no uncertainty",
             "≥ 500x", met(flat["ratio_cpu"] >= 500)))
for r in cedar["cedar_runs"][1:]:
    rows.append((f"Cedar, {r['way']} ({r['api']})", f"{r['ratio_cpu']:.0f}x (CPU): {r['cpu_us']:.1f} µs a decision, {r['queries']:,} queries", "", ""))
rows.append(("agreement, decision by decision", "; ".join(f"{r['queries'] - r['differ']:,} of {r['queries']:,} ({r['way']})" for r in cedar["cedar_runs"])
             + " (verdict, each party's verdict and basis, deciding rules)", "100 %", met(agree)))
print(f"\n## Decision figures, commit {commit}, {date}\n")
print("| what | measured | target | met? |")
print("| --- | --- | --- | --- |")
for r in rows:
    print("| " + " | ".join(r) + " |")
print(f"\nraw outputs: {out}")
EOF
exit $cedar_rc
