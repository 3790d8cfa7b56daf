#!/usr/bin/env bash
# The decision endpoints and the reports answer what the command line answers, byte for byte:
# POST /v1/decisions against `caveat check` over NDJSON, arrays, pretty-printed queries, broken
# and empty lines, the fuzz corpus and 20,000 generated queries; GET /v1/decisions against
# `caveat check --weapon ...`; /v1/timeline, /v1/sources and /v1/diff against the commands of the
# same names; plus the errors (unknown parameters, methods, paths) and /healthz and /metrics.
source "$(dirname "$0")/lib.sh"
start_server main

post() { curl -s -X POST --data-binary "@$1" "$URL/v1/decisions${2:-}"; }
same_as_check() { # FILE LABEL [check options] [query string]
  local f=$1 label=$2
  "$caveat" check ${3:-} "$f" > "$tmp/check.out" 2>/dev/null
  post "$f" "${4:-}" > "$tmp/post.out"
  if cmp -s "$tmp/check.out" "$tmp/post.out"; then ok; else
    bad "$label: POST differs from caveat check: $(diff "$tmp/check.out" "$tmp/post.out" | head -5)"
  fi
}

same_as_check "$root/examples/queries.ndjson" "examples"
same_as_check "$root/examples/queries.ndjson" "examples, explained" --explain "?explain=1"
printf '%s\n' \
  '{"id": "a", "date": "2024-06-10", "weapon": "gmlrs", "target": {"lat": 50.60, "lon": 36.59, "kind": "forces"}, "purpose": "counterfire"}' \
  'not json' '' '{"id": "d", "date": "2024-06-10", "weapon": "nope", "target": {"lat": 95, "lon": 36.59, "kind": "forces"}}' \
  '[1,' '{"id": {"nested": [1, "x"]}, "date": "2024-06-10T23:30:00+03:00", "weapon": "HIMARS", "target": {"lat": 50.6, "lon": 36.59, "kind": "forces", "uncertainty_m": 5000}}' \
  '{"id": "e", "date": "2024-06-10", "weapon": "atacms", "target": {"lat": 50.60, "lon": 36.59, "kind": "forces"}' \
  '"just a string"' '{"id": "\u00e9\ud83d\ude00", "date": "2024-13-01", "weapon": "gmlrs"}' > "$tmp/bad.ndjson"
same_as_check "$tmp/bad.ndjson" "broken and empty lines"
cat "$root"/tests/fuzz/corpus/query/*.json > "$tmp/corpus.json"
same_as_check "$tmp/corpus.json" "fuzz corpus, pretty-printed and concatenated"
{ echo '['; sed -n 1,3p "$root/examples/queries.ndjson" | paste -sd, ; echo ']'; } > "$tmp/array.json"
same_as_check "$tmp/array.json" "a JSON array"
printf '' > "$tmp/empty"
same_as_check "$tmp/empty" "an empty body"
/usr/bin/python3 - "$tmp/gen.ndjson" <<'PY'
import json, random, sys
random.seed(7)
weapons = ["gmlrs", "HIMARS", "atacms", "storm-shadow", "scalp-eg", "patriot", "m777", "nasams", "f-16", "x"]
kinds = ["forces", "artillery", "ammunition-depot", "command-post", "airfield", "aircraft", "civilian-object"]
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        q = {"id": i, "date": "%d-%02d-%02d" % (random.choice([2022, 2023, 2024, 2025]), random.randint(1, 12), random.randint(1, 28)),
             "weapon": random.choice(weapons),
             "target": {"lat": round(random.uniform(44, 56), 3), "lon": round(random.uniform(22, 42), 3), "kind": random.choice(kinds)}}
        r = random.random()
        if r < 0.5: q["purpose"] = random.choice(["counterfire", "strike", "self-defense", "air-defense"])
        if r < 0.3: q["supplier"] = random.choice(["US", "GB", "DE", "FR"])
        if r < 0.2: q["launch"] = {"lat": 50.0, "lon": 36.2}
        if r < 0.1: q["target"]["state"] = "airborne"
        f.write(json.dumps(q) + "\n")
PY
same_as_check "$tmp/gen.ndjson" "20,000 generated queries (chunks of the streamed response)"

# GET: the same line as the question asked with flags
q='weapon=gmlrs&lat=50.6&lon=36.59&kind=forces&date=2024-06-10&purpose=counterfire&id=g1'
"$caveat" check --weapon gmlrs --lat 50.6 --lon 36.59 --kind forces --date 2024-06-10 \
  --purpose counterfire --id g1 > "$tmp/flags.out"
curl -s "$URL/v1/decisions?$q" > "$tmp/get.out"
cmp -s "$tmp/flags.out" "$tmp/get.out" && ok || bad "GET differs from check with flags: $(cat "$tmp/get.out")"
"$caveat" check --weapon atacms --lat 50.6 --lon 36.59 --kind ammunition-depot --date 2024-06-10 \
  --explain > "$tmp/flags.out"
curl -s "$URL/v1/decisions?weapon=atacms&target.lat=50.6&target_lon=36.59&kind=ammunition-depot&date=2024-06-10&explain=1" > "$tmp/get.out"
cmp -s "$tmp/flags.out" "$tmp/get.out" && ok || bad "GET explain differs from check --explain"
expect_eq "$(status "$URL/v1/decisions?weapon=nope&lat=50.6&lon=36.59&kind=forces&date=2024-06-10")" 400 "unknown weapon"
expect_match "$(curl -s "$URL/v1/decisions?weapon=nope&lat=95&lon=36.59&kind=forces&date=2024-06-10&id=z")" \
  '^\{"id": "z", "error": \{"field": "weapon".*"field": "target.lat"' "every problem of a GET query"
expect_match "$(curl -s "$URL/v1/decisions?weapon=gmlrs&lat=50.6&lon=36.59&kind=forces&date=2024-06-10&purpse=strike")" \
  "unknown parameter 'purpse'" "a misspelt parameter is an error, not ignored"
expect_match "$(curl -s "$URL/v1/decisions?weapon=gmlrs%00x&lat=50.6&lon=36.59&kind=forces&date=2024-06-10")" \
  "NUL" "a NUL byte in a parameter"
expect_eq "$(status -X POST --data-binary @"$root/examples/queries.ndjson" "$URL/v1/decisions?format=csv")" 400 "POST takes explain only"

# reports: the commands' output, byte for byte
"$caveat" timeline --format json > "$tmp/a"; curl -s "$URL/v1/timeline" > "$tmp/b"
cmp -s "$tmp/a" "$tmp/b" && ok || bad "timeline differs"
"$caveat" timeline --format md --party US --weapon atacms > "$tmp/a"
curl -s "$URL/v1/timeline?format=md&party=US&weapon=atacms" > "$tmp/b"
cmp -s "$tmp/a" "$tmp/b" && ok || bad "timeline md, filtered, differs"
"$caveat" sources --format json > "$tmp/a"; curl -s "$URL/v1/sources" > "$tmp/b"
cmp -s "$tmp/a" "$tmp/b" && ok || bad "sources differs"
"$caveat" diff --format json 2024-05-01 2024-06-10 > "$tmp/a"
curl -s "$URL/v1/diff?from=2024-05-01&to=2024-06-10" > "$tmp/b"
cmp -s "$tmp/a" "$tmp/b" && ok || bad "diff differs"
"$caveat" diff --format text --party US 2022-01-01 2025-01-01 > "$tmp/a"
curl -s "$URL/v1/diff?from=2022-01-01&to=2025-01-01&format=text&party=US" > "$tmp/b"
cmp -s "$tmp/a" "$tmp/b" && ok || bad "diff text differs"
expect_eq "$(curl -s -D - -o /dev/null "$URL/v1/timeline?format=md" | tr -d '\r' | grep -i '^content-type')" \
  "Content-Type: text/markdown; charset=utf-8" "markdown content type"
expect_match "$(curl -s "$URL/v1/diff?from=2024-05-01")" '"parameter":"to"' "diff needs to"
expect_match "$(curl -s "$URL/v1/diff?from=2024-05-01&to=2024-02-30")" '"parameter":"to"' "diff's bad date"
expect_match "$(curl -s "$URL/v1/timeline?party=XX")" '"parameter":"party"' "unknown party"
expect_match "$(curl -s "$URL/v1/timeline?format=png")" '"parameter":"format"' "a format the report has not"
expect_match "$(curl -s "$URL/v1/sources?x=1")" "unknown parameter 'x'" "sources' unknown parameter"
# maps: parameters are checked before the library is asked; the map itself is the library's
expect_match "$(curl -s "$URL/v1/zones?weapon=nope&kind=forces&date=2024-06-10")" '"field": "weapon"' "zones: a bad use"
expect_match "$(curl -s "$URL/v1/zones?zones=nowhere")" "unknown zone 'nowhere'" "zones: unknown zone"
expect_match "$(curl -s "$URL/v1/zones?format=text")" '"parameter":"format"' "zones: text is no map format"
expect_match "$(curl -s "$URL/v1/zones?bbox=1,2,3")" '"parameter":"bbox"' "zones: bad bbox"
code=$(curl -s -o "$tmp/zones" -w '%{http_code}' "$URL/v1/zones?weapon=gmlrs&kind=forces&date=2024-06-10")
if [ "$code" = 200 ]; then
  expect_eq "$(jq -r .type "$tmp/zones")" FeatureCollection "zones: GeoJSON"
else
  # cav_map is declared and not implemented yet on this branch: the library refuses (CAV_EINVAL)
  expect_eq "$code:$(jq -r .error.message "$tmp/zones")" \
    "400:this report cannot be made with these parameters" "zones: the library's refusal"
fi

# /v1/pack: identity, catalogs for user interfaces
curl -s "$URL/v1/pack" > "$tmp/pack"
expect_eq "$(jq -r .id "$tmp/pack")" "$("$caveat" --version | sed -n 's/^default pack //p')" "pack id"
expect_eq "$(jq -r '.hash | length' "$tmp/pack")" 64 "pack hash"
expect_eq "$(jq -r '.catalogs.weapons[] | select(.id == "gmlrs") | .aliases | index("HIMARS") != null' "$tmp/pack")" true "weapons with aliases"
expect_eq "$(jq -r '.catalogs | [has("parties", "kinds", "purposes", "roles", "states", "zones")] | all' "$tmp/pack")" true "catalogs"
expect_eq "$(jq -r .last_failed_reload "$tmp/pack")" null "no failed reload"

# errors of the HTTP layer
expect_eq "$(status "$URL/v1/nothing")" 404 "unknown path"
expect_eq "$(status -X DELETE "$URL/v1/pack")" 405 "method not allowed"
expect_eq "$(curl -s -D - -o /dev/null -X PUT "$URL/v1/decisions" | tr -d '\r' | grep -i '^allow:')" "Allow: GET, HEAD, POST" "Allow header"
expect_eq "$(status -I "$URL/healthz")" 200 "HEAD"
expect_match "$(curl -s -D - -o /dev/null "$URL/v1/pack" -H 'X-Request-Id: abc-123' | tr -d '\r')" 'X-Request-Id: abc-123' "a client's request id is echoed"
expect_match "$(curl -s -D - -o /dev/null "$URL/v1/pack" -H 'X-Request-Id: bad id"' | tr -d '\r')" 'X-Request-Id: [0-9a-f]{8}-[0-9a-f]+' "a bad request id is replaced"
expect_eq "$(status "$URL/")" 200 "the web map's page"

# health and metrics count what happened
expect_eq "$(curl -s "$URL/healthz" | jq -r .status)" ok "healthz"
curl -s "$URL/metrics" > "$tmp/metrics"
expect_match "$(cat "$tmp/metrics")" 'caveat_http_requests_total\{endpoint="decisions_post",code="200"\} [1-9]' "requests counted"
expect_match "$(cat "$tmp/metrics")" 'caveat_decisions_total\{verdict="permitted"\} [1-9]' "verdicts counted"
expect_match "$(cat "$tmp/metrics")" 'caveat_decisions_total\{verdict="error"\} [1-9]' "error lines counted"
expect_match "$(cat "$tmp/metrics")" 'caveat_http_request_duration_seconds_bucket\{endpoint="decisions_get",le="\+Inf"\} [1-9]' "latency histogram"
expect_match "$(cat "$tmp/metrics")" 'caveat_http_requests_total\{endpoint="other",code="404"\} [1-9]' "404 counted"
# a line count: every decision of the generated file was counted once
n=$(grep -c . "$tmp/gen.ndjson")
total=$(awk -F' ' '/^caveat_decisions_total/ {s += $2} END {print s}' "$tmp/metrics")
[ "$total" -ge "$n" ] && ok || bad "decisions counted: $total < $n"

stop_server "$PID"
expect_eq "$STOPPED" 0 "SIGTERM: clean exit"
expect_match "$(cat "$tmp/main.err")" 'SIGTERM: draining' "drain message"
finish
