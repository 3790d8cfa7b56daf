#!/usr/bin/env bash
# audit_compare.sh — `caveat audit` measured side by side in one run, written to
# bench/RESULTS-audit.md with the commit:
#  1. the 10-million-row sample (`caveat sample --rows N --seed 1`) audited to a fresh file on all
#     cores with the full explanation and with the short form (--columns ...,why,...), runs
#     interleaved (full, short, full, short, ...) so both see the same machine; median wall time,
#     rows/s, peak RSS (/usr/bin/time -v), user CPU per row;
#  2. the same rows written in decimal degrees, degrees-minutes-seconds and MGRS (`--coords`),
#     audited to /dev/null (short form, interleaved), so the cost of reading the coordinates shows
#     by itself; and whether the three give the same decisions.
# The PostGIS comparison of the previous version (bench_pack_sql generating the pack's SQL) is
# not run: bench/bench_pack_sql.c reads library internals that the core9 branch has changed and
# does not build there (see the notes in RESULTS-audit.md).
#
# Usage: bench/audit_compare.sh [BUILD_DIR] [ROWS] [COORD_ROWS] [RUNS]
#        (defaults: build 10000000 2000000 3). Run from the repository root after building.
set -euo pipefail
BUILD=${1:-build}
ROWS=${2:-10000000}
CROWS=${3:-2000000}
RUNS=${4:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CAVEAT="$BUILD/caveat"
[ -x "$CAVEAT" ] || { echo "audit_compare: $CAVEAT not built" >&2; exit 1; }
WORK=$(mktemp -d /tmp/cav-audit-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
SHORT=input,decision,parties,rule,valid_from,valid_until,why,error
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# one timed run: wall s, user s, peak RSS KB into RUN_S RUN_U RUN_KB
run() {
  local out=$1
  shift
  rm -f "$out"
  /usr/bin/time -f "%e %U %M" -o "$WORK/time" "$CAVEAT" audit -q "$@" -o "$out" || [ $? = 1 ]
  read -r RUN_S RUN_U RUN_KB < "$WORK/time"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
"$CAVEAT" sample --rows "$ROWS" --seed 1 > "$WORK/events.csv"
BYTES=$(stat -c %s "$WORK/events.csv")
declare -a FS FU FK SS SU SK
for i in $(seq 1 "$RUNS"); do
  run "$WORK/full.csv" "$WORK/events.csv"; FS+=("$RUN_S"); FU+=("$RUN_U"); FK+=("$RUN_KB")
  FULL_BYTES=$(stat -c %s "$WORK/full.csv")
  run "$WORK/short.csv" -c "$SHORT" "$WORK/events.csv"; SS+=("$RUN_S"); SU+=("$RUN_U"); SK+=("$RUN_KB")
  SHORT_BYTES=$(stat -c %s "$WORK/short.csv")
done
rm -f "$WORK/full.csv" "$WORK/short.csv"

for c in decimal dms mgrs; do "$CAVEAT" sample --rows "$CROWS" --seed 1 --coords $c > "$WORK/c-$c.csv"; done
declare -A CS CU
for i in $(seq 1 "$RUNS"); do
  for c in decimal dms mgrs; do
    run /dev/null -c "$SHORT" "$WORK/c-$c.csv"; CS[$c]+="$RUN_S "; CU[$c]+="$RUN_U "
  done
done
for c in decimal dms mgrs; do "$CAVEAT" audit -q -c decision "$WORK/c-$c.csv" > "$WORK/d-$c.txt" || true; done
same_dms=$(paste -d' ' "$WORK/d-decimal.txt" "$WORK/d-dms.txt" | awk '$1 != $2' | wc -l)
same_mgrs=$(paste -d' ' "$WORK/d-decimal.txt" "$WORK/d-mgrs.txt" | awk '$1 != $2' | wc -l)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

fs=$(median "${FS[@]}"); ss=$(median "${SS[@]}"); fu=$(median "${FU[@]}"); su=$(median "${SU[@]}")
rate() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.2f M", n / s / 1e6}'; }
ns() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.0f", s / n * 1e9}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.0f MiB", k / 1024}'; }
over() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.0f %%", (a / b - 1) * 100}'; }
cd_s=$(median ${CS[decimal]}); cm_s=$(median ${CS[dms]}); cg_s=$(median ${CS[mgrs]})
cd_u=$(median ${CU[decimal]}); cm_u=$(median ${CU[dms]}); cg_u=$(median ${CU[mgrs]})
{
cat <<EOF
# caveat audit: measured

\`bench/audit_compare.sh $BUILD $ROWS $CROWS $RUNS\` at commit \`$(git -C "$ROOT" rev-parse --short HEAD)\`
($(git -C "$ROOT" log -1 --format=%s | cut -c1-80)), $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -m),
$(nproc) CPUs. The machine is shared with other engineers' builds and tests: load average
(1, 5, 15 min) $LOAD_START at the start, $LOAD_END at the end, so wall times are noisy; runs are
interleaved so the forms compared see the same machine, and CPU time per row is given beside them.

## 10,000,000 rows to a file, all cores ($RUNS runs each, interleaved, median)

Input: \`caveat sample --rows $ROWS --seed 1\` ($BYTES bytes).

| form | wall s | rows/s | user CPU s | CPU per row | peak RSS | output bytes |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| full explanation (default columns) | $fs | $(rate "$ROWS" "$fs") | $fu | $(ns "$ROWS" "$fu") ns | $(mib "$(median "${FK[@]}")") | $FULL_BYTES |
| short form (\`-c $SHORT\`) | $ss | $(rate "$ROWS" "$ss") | $su | $(ns "$ROWS" "$su") ns | $(mib "$(median "${SK[@]}")") | $SHORT_BYTES |

All runs (wall s): full ${FS[*]}; short ${SS[*]}.

## Coordinates: decimal degrees, DMS, MGRS ($CROWS rows, short form, to /dev/null)

| coordinates | wall s | user CPU s | CPU vs decimal |
| --- | ---: | ---: | ---: |
| decimal degrees | $cd_s | $cd_u | |
| degrees-minutes-seconds | $cm_s | $cm_u | $(over "$cm_u" "$cd_u") |
| MGRS (1 m squares) | $cg_s | $cg_u | $(over "$cg_u" "$cd_u") |

Rows whose decision differs from the decimal file's: DMS $same_dms (its 0.1" is about 3 m, the
decimal file's 5 digits about 1 m), MGRS $same_mgrs.
EOF
} > "$ROOT/bench/RESULTS-audit.md.new"
cat "$ROOT/bench/RESULTS-audit.md.new"
