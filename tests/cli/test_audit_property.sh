#!/usr/bin/env bash
# Property test of `caveat audit` against `caveat check` on random logs (tests/cli/audit_property.py):
# rows in = rows out, file lines, identical decisions and identical problems, row by row.
# CAV_AUDIT_SEEDS sets the number of random logs (default 12; make test-tsan runs fewer).
exec /usr/bin/python3 "$(dirname "$0")/audit_property.py" "$1" "${CAV_AUDIT_SEEDS:-12}"
