#!/usr/bin/python3
"""client.py: a load client for the service's tests, standard library only.

  client.py PORT SECONDS THREADS OUT [TOKEN]

Each thread POSTs small NDJSON batches of queries with unique ids ("t<thread>-<n>-<k>") on a
keep-alive connection for SECONDS (or until the server goes away), and appends the id of every
decision it received in a complete 200 response to OUT: the acknowledged decisions. Every
response's lines must come from one pack; a mixed response is written to OUT.mixed. Status codes
are counted in OUT.codes. Bounded in time; sends only to 127.0.0.1.
"""
import http.client, json, signal, sys, threading, time

port, seconds, nthreads, out = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
token = sys.argv[5] if len(sys.argv) > 5 else None
lock = threading.Lock()
stop = threading.Event()
signal.signal(signal.SIGINT, lambda *a: stop.set())
signal.signal(signal.SIGTERM, lambda *a: stop.set())
codes = {}
acked = open(out, "a")
mixed = open(out + ".mixed", "a")

def body(t, n):
    lines = []
    for k in range(5):
        lines.append(json.dumps({"id": "t%d-%d-%d" % (t, n, k), "date": "2024-06-%02d" % (1 + (n + k) % 28),
                                 "weapon": ["gmlrs", "atacms", "m777"][k % 3],
                                 "target": {"lat": 50.6, "lon": 36.59, "kind": "forces"}, "purpose": "counterfire"}))
    lines.append("not a query")
    return ("\n".join(lines) + "\n").encode()

def run(t):
    end = time.time() + seconds
    n = 0
    conn = None
    while time.time() < end and not stop.is_set():
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            headers = {"Content-Type": "application/x-ndjson"}
            if token:
                headers["Authorization"] = "Bearer " + token
            conn.request("POST", "/v1/decisions", body=body(t, n), headers=headers)
            r = conn.getresponse()
            data = r.read()
            with lock:
                codes[r.status] = codes.get(r.status, 0) + 1
                if r.status == 200:
                    packs = set()
                    for line in data.decode().splitlines():
                        d = json.loads(line)
                        if "decision" in d:
                            acked.write(d["id"] + "\n")
                            packs.add(d["pack"])
                    if len(packs) > 1:
                        mixed.write(" ".join(sorted(packs)) + "\n")
                    acked.flush()
        except (OSError, http.client.HTTPException):
            with lock:
                codes["conn"] = codes.get("conn", 0) + 1
            conn = None
            time.sleep(0.01)
        n += 1

threads = [threading.Thread(target=run, args=(t,)) for t in range(nthreads)]
for th in threads: th.start()
while any(th.is_alive() for th in threads):
    for th in threads: th.join(0.1)
with open(out + ".codes", "w") as f:
    for k, v in sorted(codes.items(), key=lambda kv: str(kv[0])):
        f.write("%s %d\n" % (k, v))
