#!/usr/bin/env bash
# The OpenAPI description served at /v1/openapi.json is the one in the source tree, and the
# server's real responses match it: every documented path and method is asked, every status,
# content type and JSON body checked against the description (tests/serve/openapi_check.py).
source "$(dirname "$0")/lib.sh"
start_server openapi
curl -s "$URL/v1/openapi.json" > "$tmp/served.json"
cmp -s "$tmp/served.json" "$root/src/serve/openapi.json" && ok || bad "the served description is not the source's"
expect_eq "$(jq -r .openapi "$tmp/served.json")" 3.0.3 "OpenAPI 3"
/usr/bin/python3 -c 'import jsonschema' || bad "python3-jsonschema is missing (make setup installs it)"
timeout 120 /usr/bin/python3 "$here/openapi_check.py" "$PORT" "$root/src/serve/openapi.json" > "$tmp/check.out" 2>&1
expect_eq "$?" 0 "openapi_check.py ran"
while read -r word rest; do
  case $word in
    PASS) ok ;;
    FAIL) bad "$rest" ;;
    *) bad "openapi_check.py: $word $rest" ;;
  esac
done < "$tmp/check.out"
stop_server "$PID"
finish
