#!/usr/bin/env bash
# Checks that a built binary carries the release hardening: PIE, full RELRO (BIND_NOW), a stack
# protector and fortified libc calls. Usage: tools/check-hardening.sh build/caveat
set -u
bin=$1
fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
check "PIE executable" "readelf -h '$bin' | grep -q 'Type:.*DYN'"
check "RELRO" "readelf -l '$bin' | grep -q GNU_RELRO"
check "BIND_NOW (full RELRO)" "readelf -d '$bin' | grep -Eq 'BIND_NOW|FLAGS.*NOW'"
check "stack protector" "readelf -s '$bin' | grep -q __stack_chk_fail"
check "fortified calls" "readelf -s '$bin' | grep -q '_chk@'"
check "non-executable stack" "! readelf -l '$bin' | grep -A1 GNU_STACK | grep -q RWE"
exit $fail
