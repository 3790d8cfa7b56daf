#!/usr/bin/env bash
# check-layout.sh — the library's border, checked (run by ctest as layout/border):
#  1. front ends (src/cli, src/serve, src/python) include only caveat.h, the front ends' own headers (the
#     command line starts the service) and system headers: every capability they use is behind
#     the public API;
#  2. the shared library exports only the public names (cav_ plus nothing else).
# Usage: tools/check-layout.sh BUILD_DIR
set -u
build=${1:?usage: check-layout.sh BUILD_DIR}
cd "$(dirname "$0")/.."
fail=0
for dir in src/cli src/serve src/python; do
  [ -d "$dir" ] || continue
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(printf '%s' "$line" | sed -n 's/.*#include "\([^"]*\)".*/\1/p')
    [ -n "$inc" ] || continue
    if [ "$inc" != caveat.h ] && [ ! -f "src/cli/$inc" ] && [ ! -f "src/serve/$inc" ]; then
      echo "layout: $file includes \"$inc\": a front end includes only caveat.h and its own headers"
      fail=1
    fi
  done < <(grep -n '#include "' "$dir"/*.c "$dir"/*.h 2>/dev/null)
done
so=$(ls "$build"/libcaveat.so* 2>/dev/null | head -1)
if [ -z "$so" ]; then
  echo "layout: no libcaveat.so in $build"
  fail=1
else
  # (_ZTIF/_ZTSF: the type information of C++ function types that clang's -fsanitize=function
  # emits for src/batch/mgrs.cpp in the UBSan build, with default visibility by design; no
  # function or data of ours)
  bad=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^cav_' |
    grep -v '^_\(init\|fini\|edata\|end\|_bss_start\)$' | grep -v '^_ZT[IS]F' || true)
  if [ -n "$bad" ]; then
    echo "layout: libcaveat.so exports names outside the public API:"
    printf '  %s\n' $bad | head -20
    fail=1
  fi
  n=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -c '^cav_')
  echo "layout: libcaveat.so exports $n cav_ functions"
fi
[ $fail -eq 0 ] && echo "layout: ok"
exit $fail
