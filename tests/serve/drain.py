#!/usr/bin/python3
"""drain.py: what SIGTERM does to requests in flight and to connections kept alive from before it.

  drain.py PORT PID ERRFILE

Against a server started with --log-sync always. Prints PASS/FAIL lines (read by
test_crash.sh) and, last, "IDS <answered id> <refused id>" for the log check.

  - a connection kept alive (one decision answered on it, no "Connection: close");
  - a request in flight: its headers and part of its body sent, begun by the server;
  - SIGTERM; once the server says it is draining:
  - a decision sent on the kept-alive connection is refused at once (503, connection closed):
    the server may already be stopping, and a decision waiting for the log's group commit then
    aborted libmicrohttpd (found by serve/test_crash under AddressSanitizer in CI);
  - /healthz on another kept-alive connection is still answered (503, "draining");
  - the rest of the request in flight is sent: it is answered 200 with its decision.
"""
import http.client, json, os, re, signal, socket, sys, time

port, pid, errfile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]


def check(cond, what):
    print(("PASS " if cond else "FAIL ") + what, flush=True)


def query(qid):
    return (json.dumps({"id": qid, "date": "2024-06-10", "weapon": "gmlrs",
                        "target": {"lat": 50.6, "lon": 36.59, "kind": "forces"},
                        "purpose": "counterfire"}) + "\n").encode()


def post(conn, qid):
    conn.request("POST", "/v1/decisions", body=query(qid),
                 headers={"Content-Type": "application/x-ndjson"})
    r = conn.getresponse()
    return r.status, r.getheader("Connection"), r.read().decode()


def inflight():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    c.close()
    for line in text.splitlines():
        if line.startswith("caveat_http_inflight_requests "):
            return int(line.split()[1])
    return -1


def wait_for(cond, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


kept = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
status, conn_header, _ = post(kept, "before")
check(status == 200 and conn_header != "close", "a decision before SIGTERM keeps its connection")
health = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
health.request("GET", "/healthz")
r = health.getresponse()
r.read()
check(r.status == 200, "healthz before SIGTERM")

# a request in flight: its body is not all sent
body = query("in-flight")
slow = socket.create_connection(("127.0.0.1", port), timeout=10)
slow.sendall(b"POST /v1/decisions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             b"Content-Type: application/x-ndjson\r\nContent-Length: %d\r\n\r\n" % len(body)
             + body[:10])
# /metrics counts itself: 2 means the slow request has begun
check(wait_for(lambda: inflight() >= 2, 10), "the slow request is in flight")

os.kill(pid, signal.SIGTERM)
check(wait_for(lambda: "SIGTERM: draining" in open(errfile).read(), 10), "the server drains")

status, conn_header, text = post(kept, "after")
check(status == 503, "a decision after SIGTERM is refused: %d" % status)
check(conn_header == "close", "its connection is closed: %s" % conn_header)
check("stopping" in text, "it says why: %s" % text.strip()[:200])

health.request("GET", "/healthz")
r = health.getresponse()
text = r.read().decode()
check(r.status == 503 and json.loads(text).get("status") == "draining",
      "healthz while draining: %d %s" % (r.status, text.strip()[:200]))

slow.sendall(body[10:])
reply = b""
while True:
    chunk = slow.recv(65536)
    if not chunk:
        break
    reply += chunk
head, _, rest = reply.decode().partition("\r\n\r\n")
check(head.startswith("HTTP/1.1 200"), "the request in flight is answered: %s" % head[:40])
check(re.search(r'"id": ?"in-flight", ?"decision"', rest) is not None, "with its decision: %s" % rest[:200])
print("IDS in-flight after", flush=True)
