#!/usr/bin/env bash
# serve_bench.sh — the service's figures, side by side in one run (bench/RESULTS-serve.md):
#   1. the cost of each step of a query in process (build/serve_parse): split, parse, decide, write
#   2. `caveat check` end to end on 1M NDJSON lines, to /dev/null and to a file
#   3. single-query GET on loopback with keep-alive (wrk, 2 threads) against nginx serving a static
#      file of the same size, and the same with the decision log (--log-sync batch, always, none)
#   4. NDJSON batches: POSTs of 1,000 queries (wrk), decisions/s
#   5. p99 latency at half the peak rate (wrk with a fixed delay per connection)
# Usage: bench/serve_bench.sh [BUILD=build] [SECONDS=10]. Needs wrk, nginx, curl, python3. Every
# load goes to 127.0.0.1 only and stops after SECONDS.
set -u
build=${1:-build}
secs=${2:-10}
caveat=$(readlink -f "$build/caveat")
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"' EXIT
echo "commit $(git rev-parse --short HEAD) $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$tmp" <<'PY'
import json, random, sys
random.seed(1)
t = sys.argv[1]
ws = ["gmlrs", "atacms", "storm-shadow", "patriot", "HIMARS", "scalp-eg", "m777"]
ks = ["forces", "artillery", "ammunition-depot", "command-post", "airfield", "aircraft"]
with open(t + "/q1m.ndjson", "w") as f:
    for i in range(1000000):
        q = {"id": "q%d" % i, "date": "2024-%02d-%02d" % (random.randint(1, 12), random.randint(1, 28)),
             "weapon": random.choice(ws),
             "target": {"lat": round(random.uniform(44, 56), 4), "lon": round(random.uniform(30, 42), 4), "kind": random.choice(ks)}}
        if random.random() < 0.5: q["purpose"] = random.choice(["counterfire", "strike", "self-defense"])
        f.write(json.dumps(q) + "\n")
PY
head -1000 "$tmp/q1m.ndjson" > "$tmp/batch1000.ndjson"

echo; echo "== 1. in process, one core: ns per query by step"
"$build/serve_parse" "$tmp/q1m.ndjson" 5

echo; echo "== 2. caveat check, 1,000,000 lines"
for target in /dev/null "$tmp/out.ndjson"; do
  for r in 1 2 3; do
    s=$(date +%s.%N); "$caveat" check "$tmp/q1m.ndjson" > "$target"; e=$(date +%s.%N)
    echo "check -> $target: $(python3 -c "print('%.2f s, %.0f lines/s' % ($e - $s, 1e6 / ($e - $s)))")"
  done
done

start() { # NAME ARGS...: a server on a free port; sets PORT
  local name=$1; shift
  "$caveat" serve --listen 127.0.0.1:0 "$@" 2> "$tmp/$name.err" &
  pids+=($!); SPID=$!
  for _ in $(seq 1 600); do
    PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$tmp/$name.err" | sed 's/.*://'); [ -n "$PORT" ] && break; sleep 0.05
  done
}
stop() { kill "$SPID"; wait "$SPID" 2>/dev/null; }
Q='/v1/decisions?weapon=gmlrs&lat=50.6&lon=36.59&kind=forces&date=2024-06-10&purpose=counterfire'
wrkrun() { wrk -t2 -c"$2" -d"${secs}s" --latency "${@:3}" "$1" > "$tmp/wrk.out" 2>&1
  rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.out")
  p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk.out")
  p50=$(awk '$1 == "50%" {print $2}' "$tmp/wrk.out")
  errs=$(grep -E 'Non-2xx|Socket errors' "$tmp/wrk.out" | tr '\n' ' ')
  echo "rps $rps p50 $p50 p99 $p99 $errs"; }

echo; echo "== 3. one query per request, keep-alive, wrk -t2 (nginx and caveat serve alternate)"
start plain
size=$(curl -s "http://127.0.0.1:$PORT$Q" | wc -c)
mkdir -p "$tmp/ngx/www" "$tmp/ngx/logs"
head -c "$size" /dev/zero | tr '\0' 'x' > "$tmp/ngx/www/d.json"
cat > "$tmp/ngx/nginx.conf" <<NGX
worker_processes 2;
user root root;
daemon off;
pid $tmp/ngx/nginx.pid;
error_log $tmp/ngx/logs/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 10000000;
  server { listen 127.0.0.1:0; root $tmp/ngx/www; location / { default_type application/json; } } }
NGX
# nginx cannot print a port 0 it picked: use a fixed free one
nport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s/127.0.0.1:0/127.0.0.1:$nport/" "$tmp/ngx/nginx.conf"
nginx -c "$tmp/ngx/nginx.conf" -p "$tmp/ngx" & pids+=($!)
sleep 0.5
echo "response size: $size bytes"
for c in 32 64; do
  for r in 1 2 3; do
    echo "nginx static c=$c: $(wrkrun "http://127.0.0.1:$nport/d.json" $c)"
    echo "caveat GET    c=$c: $(wrkrun "http://127.0.0.1:$PORT$Q" $c)"
  done
done
stop
for c in 64 256; do
  start nolog
  echo "caveat GET, no log, c=$c: $(wrkrun "http://127.0.0.1:$PORT$Q" $c)"
  stop
  for sync in none batch always; do
    start log-$sync --log "$tmp/log-$sync.ndjson" --log-sync $sync
    echo "caveat GET + log $sync c=$c: $(wrkrun "http://127.0.0.1:$PORT$Q" $c)"
    curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^caveat_log_(records|fsyncs)_total' | tr '\n' ' '; echo
    stop
    "$caveat" log verify "$tmp/log-$sync.ndjson" | cut -c1-60
    rm -f "$tmp/log-$sync.ndjson"*
  done
done

echo; echo "== 4. NDJSON batches: 1,000 queries per POST"
start batch
for c in 2 4 8; do
  out=$(BATCH="$tmp/batch1000.ndjson" wrkrun "http://127.0.0.1:$PORT/v1/decisions" $c -s "$(dirname "$0")/serve_post.lua")
  echo "POST x1000 c=$c: $out => $(echo "$out" | awk '{printf "%.0f decisions/s", $2 * 1000}')"
done
head -200000 "$tmp/q1m.ndjson" > "$tmp/q200k.ndjson"
for r in 1 2 3; do
  s=$(date +%s.%N); code=$(curl -s -o "$tmp/post.out" -w '%{http_code}' -X POST --data-binary @"$tmp/q200k.ndjson" "http://127.0.0.1:$PORT/v1/decisions"); e=$(date +%s.%N)
  echo "one POST of 200,000 queries (27 MB): status $code, $(grep -c '"decision"' "$tmp/post.out") decisions, $(python3 -c "print('%.2f s, %.0f decisions/s' % ($e - $s, 2e5 / ($e - $s)))")"
done
stop
start batchlog --log "$tmp/blog.ndjson" --log-sync batch
out=$(BATCH="$tmp/batch1000.ndjson" wrkrun "http://127.0.0.1:$PORT/v1/decisions" 4 -s "$(dirname "$0")/serve_post.lua")
echo "POST x1000 c=4 + log batch: $out => $(echo "$out" | awk '{printf "%.0f decisions/s", $2 * 1000}')"
stop

echo; echo "== 5. latency at half the peak rate"
start rate
peak=$(wrkrun "http://127.0.0.1:$PORT$Q" 64 | awk '{print $2}')
half=$(python3 -c "print(int(float('$peak') / 2))")
conns=$(( half / 500 )); [ "$conns" -lt 2 ] && conns=2
out=$(DELAY_MS=2 wrkrun "http://127.0.0.1:$PORT$Q" $conns -s "$(dirname "$0")/serve_rate.lua")
echo "peak $peak req/s; offered about $half req/s ($conns connections, one request each 2 ms): $out"
stop
