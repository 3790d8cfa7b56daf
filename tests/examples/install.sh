#!/usr/bin/env bash
# install.sh — the install story of docs/library.md ("Building a program"), run as a user runs
# it: `cmake --install` into a temporary prefix, the prefix moved elsewhere (caveat.pc is
# relocatable), then examples/c/first.c compiled there with
#   cc first.c $(pkg-config --cflags --libs caveat) -o first
# and run with the installed library; then again with the static library. The installed header must also compile as C++ and include
# nothing outside the prefix but the standard headers.
# Usage: tests/examples/install.sh BUILD_DIR   (CC, CFLAGS and LDLIBS: the compiler, and the
# sanitizer flags and runtimes the library was built with)
set -u
build=$(realpath "${1:?usage: install.sh BUILD_DIR}")
repo=$(pwd)
cc=${CC:-cc}
cflags=${CFLAGS:-}
ldlibs=${LDLIBS:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/staged" > "$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; fail "cmake --install"; }
mv "$tmp/staged" "$tmp/prefix" # relocated after installing
pc=$(find "$tmp/prefix" -name caveat.pc | head -1)
[ -n "$pc" ] || fail "no caveat.pc installed"
[ -f "$tmp/prefix/include/caveat.h" ] || fail "no include/caveat.h installed"
export PKG_CONFIG_PATH=${pc%/caveat.pc}
libdir=$(pkg-config --variable=libdir caveat) || fail "pkg-config cannot read $pc"
[ "$(realpath "$libdir")" = "$(realpath "${pc%/pkgconfig/caveat.pc}")" ] ||
  fail "caveat.pc's libdir $libdir is not where it was moved"

mkdir "$tmp/user" && cp "$repo/examples/c/first.c" "$tmp/user/" && cd "$tmp/user" || exit 1
# shellcheck disable=SC2046,SC2086 # word splitting of the flags is the point
"$cc" $cflags first.c $(pkg-config --cflags --libs caveat) $ldlibs -o first ||
  fail "cc first.c \$(pkg-config --cflags --libs caveat)"
out=$(LD_LIBRARY_PATH=$libdir ./first) || fail "the program built against the install failed"
echo "$out"
case $out in
  *"pack default@"*permitted:*) ;;
  *) fail "unexpected output" ;;
esac
# the program uses the installed library, not the build tree's
LD_LIBRARY_PATH=$libdir ldd ./first | grep -q "$libdir/libcaveat.so" ||
  fail "first is not linked against $libdir/libcaveat.so"

# the static library, with its dependencies linked dynamically (docs/library.md)
# shellcheck disable=SC2046,SC2086
"$cc" $cflags first.c $(pkg-config --cflags caveat) "$libdir/libcaveat.a" \
  $(pkg-config --libs geos proj jansson libcrypto) -lGeographicLib -lstdc++ -lpthread -lm $ldlibs \
  -o first-static || fail "linking first.c with libcaveat.a"
[ "$(./first-static)" = "$out" ] || fail "the static build answers differently"
ldd ./first-static | grep -q libcaveat && fail "first-static still needs libcaveat.so"

if command -v c++ > /dev/null; then
  printf '#include <caveat.h>\nint main() { return cav_version() ? 0 : 1; }\n' > cxx.cc
  c++ -fsyntax-only -Wall -Wextra -Werror $(pkg-config --cflags caveat) cxx.cc ||
    fail "caveat.h does not compile as C++"
fi
echo "install: ok"
