#!/usr/bin/env bash
# The agreement check between caveat and its Cedar translation on a small sample, for ctest: the
# default pack's decisions on N queries (default 2,000), then the same with features.cav layered
# on it (the constructs the default pack does not use), each decision compared in Cedar's three
# ways (compare.mjs). Fails when one decision differs, so a translation that drifts from the pack,
# or a pack that uses what translate.mjs does not know, is caught. Times are printed, not checked.
# The npm package is installed here by `npm ci` when missing (make setup does it); if it cannot
# be, the test fails: it never skips.
# Usage: agree.sh CAVEAT BENCH_EVAL [N]
set -u
caveat=$(readlink -f "$1")
bench=$(readlink -f "$2")
n=${3:-2000}
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$here/node_modules/@cedar-policy/cedar-wasm" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --silent) || { echo "FAIL: npm ci could not install cedar-wasm" >&2; exit 1; }
fi
rc=0
for extra in "" "$here/features.cav"; do
  echo "== the default pack${extra:+ and $(basename "$extra")}"
  node "$here/compare.mjs" --queries "$n" --runs 1 --entities "$n" --plain 50 \
    --caveat "$caveat" --bench "$bench" ${extra:+--policy "$extra"} || rc=1
done
exit $rc
