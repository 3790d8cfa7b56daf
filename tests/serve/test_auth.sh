#!/usr/bin/env bash
# Access: with --token-file every /v1 request needs `Authorization: Bearer TOKEN` (401 without
# one, with a wrong one, with another scheme), /healthz and /metrics stay open; tokens are kept
# hashed and never written to the server's log (with --access-log) or the decision log; without a
# token file the server refuses any address but loopback.
source "$(dirname "$0")/lib.sh"
good=tok-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
other=second-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '# tokens of the test\n%s\n\n  %s  \n' "$good" "$other" > "$tmp/tokens"
chmod 600 "$tmp/tokens"
start_server auth --token-file "$tmp/tokens" --log "$tmp/d.log" --access-log
q="$URL/v1/decisions?weapon=gmlrs&lat=50.6&lon=36.59&kind=forces&date=2024-06-10"
expect_eq "$(status "$q")" 401 "no token"
expect_eq "$(status -H "Authorization: Bearer wrong" "$q")" 401 "a wrong token"
expect_eq "$(status -H "Authorization: Bearer ${good}x" "$q")" 401 "a token with a byte more"
expect_eq "$(status -H "Authorization: Bearer ${good%?}" "$q")" 401 "a token with a byte less"
expect_eq "$(status -H "Authorization: Basic $good" "$q")" 401 "another scheme"
expect_eq "$(status -H "Authorization: Bearer" "$q")" 401 "an empty token"
expect_eq "$(status -H "Authorization: Bearer $good" "$q")" 200 "the token"
expect_eq "$(status -H "authorization: bearer $other" "$q")" 200 "the second token, scheme in any case"
expect_eq "$(status -X POST --data-binary @"$root/examples/queries.ndjson" "$URL/v1/decisions")" 401 "POST without a token"
expect_eq "$(status -X POST -H "Authorization: Bearer $good" --data-binary @"$root/examples/queries.ndjson" "$URL/v1/decisions")" 200 "POST with the token"
# the decisions the POST answered (its error lines are not logged)
posted=$(curl -s -H "Authorization: Bearer $good" --data-binary @"$root/examples/queries.ndjson" "$URL/v1/decisions" | grep -c '"decision"')
[ "$posted" -gt 0 ] && ok || bad "the POST answered no decision"
expect_match "$(curl -s -D - -o /dev/null "$q" | tr -d '\r')" 'WWW-Authenticate: Bearer realm="caveat"' "the challenge"
for p in /v1/pack /v1/timeline /v1/sources /v1/openapi.json /v1/nothing "/v1/diff?from=2024-01-01&to=2024-06-01"; do
  expect_eq "$(status "$URL$p")" 401 "$p without a token"
done
expect_eq "$(curl -s "$q" | grep -c decision)" 0 "no decision without a token"
expect_eq "$(status "$URL/healthz")" 200 "healthz is open"
expect_eq "$(status "$URL/metrics")" 200 "metrics are open"
expect_match "$(curl -s "$URL/metrics")" 'caveat_http_requests_total\{endpoint="decisions_get",code="401"\} 8' "401s counted"
# bad tokens in volume: still no decision
for i in $(seq 1 200); do echo "url = \"$q\""; echo "header = \"Authorization: Bearer guess$i\""; done > "$tmp/curl.cfg"
expect_eq "$(curl -s -K "$tmp/curl.cfg" | grep -c '"decision"')" 0 "200 guesses, no decision"
stop_server "$PID"
expect_eq "$STOPPED" 0 "clean exit"
# the tokens are nowhere: not the server's log, not the decision log
expect_eq "$(grep -c "$good\|$other" "$tmp/auth.err" "$tmp/d.log" | awk -F: '{s += $2} END {print s}')" 0 "tokens never logged"
expect_match "$(cat "$tmp/auth.err")" 'decisions_get 401' "the access log has the refusals"
# the two authorised GETs and the two authorised POSTs, nothing else
expect_eq "$(wc -l < "$tmp/d.log")" $((2 + 2 * posted)) "only the authorised decisions were logged"

# without tokens: loopback only
"$caveat" serve --listen 0.0.0.0:0 2> "$tmp/open.err"; rc=$?
expect_eq "$rc" 2 "0.0.0.0 without tokens refused"
expect_match "$(cat "$tmp/open.err")" 'not a loopback address' "why"
"$caveat" serve --listen '[::]:0' 2> /dev/null; expect_eq "$?" 2 ":: without tokens refused"
"$caveat" serve --listen example.org:80 2> "$tmp/name.err"; expect_eq "$?" 2 "a host name is refused (no name service)"
printf '\n# none\n' > "$tmp/empty"
"$caveat" serve --token-file "$tmp/empty" 2> "$tmp/empty.err"; expect_eq "$?" 2 "an empty token file"
printf 'two words\n' > "$tmp/blank"
"$caveat" serve --token-file "$tmp/blank" 2> "$tmp/blank.err"; expect_eq "$?" 2 "a token with a blank"
expect_no_match "$(cat "$tmp/blank.err")" 'two words' "a bad token is not echoed"

finish
