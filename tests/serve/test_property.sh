#!/usr/bin/env bash
# Property test of the decision endpoints against `caveat check` (tests/serve/property.py): random
# JSON queries and queries as text (tests/serve/query_gen.py), with typos, bad numbers, missing
# members and wrong JSON types, and query_gen.py's EDGE_CASES at any size, POSTed as one batch
# (NDJSON, an array, explained) and one by one, and asked with GET; the same decisions and the
# same problems, but for what docs/serve.md documents as different (no `line` in a GET's error,
# "unknown parameter", the id as text).
# CAV_SERVE_CASES sets the number of random JSON queries (default 1000, and half as many as text;
# make test-tsan runs 200).
source "$(dirname "$0")/lib.sh"
start_server main
if /usr/bin/python3 "$here/property.py" "$caveat" "$URL" "${CAV_SERVE_CASES:-1000}"; then ok; else
  bad "property.py: the service and caveat check disagree (above)"
fi
stop_server "$PID"
expect_eq "$STOPPED" 0 "SIGTERM: clean exit"
finish
