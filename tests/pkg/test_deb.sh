#!/usr/bin/env bash
# The Debian package (`make deb`, CPack): built from this build directory, its control data has the
# shared-library dependencies dpkg-shlibdeps found, apt would install it on this Debian 12 machine
# (a simulation: every dependency resolves), and the binary installed into a scratch root runs:
# its version, a decision from the embedded pack, the manual page and the completions.
# Usage: test_deb.sh BUILD_DIR
set -u
build=$(realpath "${1:?usage: test_deb.sh BUILD_DIR}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

(cd "$tmp" && cpack --config "$build/CPackConfig.cmake" -B "$tmp/out" > "$tmp/cpack.log" 2>&1) ||
  { bad "cpack failed"; tail -20 "$tmp/cpack.log" >&2; echo "$pass passed, $fail failed"; exit 1; }
deb=$(ls "$tmp"/out/*.deb 2>/dev/null | head -1)
[ -n "$deb" ] && ok || { bad "no .deb made"; echo "$pass passed, $fail failed"; exit 1; }
info=$(dpkg-deb -I "$deb")
grep -q '^ Package: caveat$' <<< "$info" && ok || bad "package name"
depends=$(sed -n 's/^ Depends: //p' <<< "$info")
for lib in libgeos-c libproj libjansson libssl libmicrohttpd libc6; do
  grep -q "$lib" <<< "$depends" && ok || bad "Depends lacks $lib: $depends"
done
# would apt install it here? (no root needed to simulate)
apt-get install -s "$deb" > "$tmp/apt.log" 2>&1 && grep -q '^Inst caveat' "$tmp/apt.log" && ok ||
  { bad "apt-get would not install the package"; tail -5 "$tmp/apt.log" >&2; }
# installed into a scratch root, the binary runs
dpkg-deb -x "$deb" "$tmp/root"
for f in usr/bin/caveat usr/include/caveat.h usr/share/man/man1/caveat.1 \
  usr/share/bash-completion/completions/caveat usr/share/zsh/vendor-completions/_caveat; do
  [ -e "$tmp/root/$f" ] && ok || bad "the package lacks /$f"
done
# (the library directory is usr/lib, or usr/lib/<multiarch> when configured with the prefix /usr)
[ -n "$(find "$tmp/root/usr/lib" -name 'libcaveat.so*' -print -quit)" ] && ok || bad "the package lacks libcaveat.so"
pc=$(find "$tmp/root/usr/lib" -name caveat.pc -print -quit)
[ -n "$pc" ] && ok || bad "the package lacks caveat.pc"
"$tmp/root/usr/bin/caveat" --version | grep -q '^caveat [0-9]' && ok || bad "installed caveat --version"
out=$(echo '{"date": "2024-06-10", "weapon": "HIMARS", "target": {"lat": 50.6, "lon": 36.59, "kind": "forces", "role": "attacking"}, "purpose": "counterfire"}' |
  "$tmp/root/usr/bin/caveat" check)
grep -q '"decision": "permitted"' <<< "$out" && ok || bad "installed caveat check: $out"
# the installed library with its pkg-config file, from the scratch root
cflags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags caveat 2>&1) && ok || bad "pkg-config: $cflags"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
