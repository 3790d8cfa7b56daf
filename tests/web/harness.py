"""harness.py — serves the web map (src/serve/www) and the service's API, answered by the caveat
command line, on a loopback port: a stand-in for `caveat serve` while the web map is tested
before the service lands in this branch (tests/web/test_webmap.mjs runs against whichever it is
given). Each endpoint runs the command of the same name with the same parameters, which is what
the service's endpoints do through the library:

  /v1/pack       caveat catalog --format json (and the pack id of a decision)
  /v1/zones      caveat zones (zones=A,B: --zone A --zone B; ISO codes of the boundary data too)
  /v1/diff       caveat diff FROM TO --format ... (supplier: --party)
  /v1/timeline   caveat timeline --format json
  /v1/sources    caveat sources --format json
  /v1/decisions  caveat check --explain (GET, one query)

Usage: python3 harness.py CAVEAT_BINARY PORT_FILE   (writes the port it listens on to PORT_FILE)
"""
import http.server
import json
import mimetypes
import os
import subprocess
import sys
import urllib.parse

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
WWW = os.path.join(ROOT, "src", "serve", "www")
LEAFLET = "/usr/share/javascript/leaflet"
CAVEAT = sys.argv[1]
USE = ["weapon", "supplier", "kind", "state", "role", "purpose", "date"]


def run(args):
    r = subprocess.run([CAVEAT] + args, capture_output=True, cwd=ROOT)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, status, body, ctype):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page moved on (a newer request replaced this one)

    def error(self, message, status=400):
        self.reply(status, json.dumps({"error": {"parameter": None, "message": message}}),
                   "application/json")

    def flags(self, q, names, rename=None):
        out = []
        for k in names:
            if k in q:
                out += ["--" + (rename or {}).get(k, k), q[k]]
        return out

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        path = url.path
        if path == "/":
            path = "/index.html"
        if path.startswith("/leaflet/"):
            f = os.path.join(LEAFLET, os.path.basename(path))
            if path.startswith("/leaflet/images/"):
                f = os.path.join(LEAFLET, "images", os.path.basename(path))
            return self.file(f)
        if not path.startswith("/v1/"):
            return self.file(os.path.join(WWW, path.lstrip("/")))
        fmt = q.get("format", "geojson")
        types = {"geojson": "application/geo+json", "svg": "image/svg+xml", "png": "image/png",
                 "pdf": "application/pdf", "json": "application/json"}
        if path == "/v1/pack":
            rc, out, err = run(["catalog", "--format", "json"])
            _, one, _ = run(["check", "--weapon", "gmlrs", "--lat", "50", "--lon", "36",
                             "--kind", "forces", "--date", "2024-06-10"])
            ident = json.loads(one)["pack"]
            body = {"id": ident, "name": ident.split("@")[0], "catalogs": json.loads(out)}
            return self.reply(200, json.dumps(body), "application/json")
        if path == "/v1/zones":
            args = ["zones", "--format", fmt] + self.flags(q, USE)
            for z in filter(None, q.get("zones", "").split(",")):
                args += ["--zone", z]
        elif path == "/v1/diff":
            args = ["diff", q.get("from", ""), q.get("to", ""), "--format", fmt]
            args += self.flags(q, [k for k in USE if k != "date"], {"supplier": "party"})
        elif path == "/v1/timeline":
            args = ["timeline", "--format", "json"] + self.flags(q, ["weapon", "party"])
        elif path == "/v1/sources":
            args = ["sources", "--format", "json"]
        elif path == "/v1/decisions":
            args = ["check", "--format", "json", "--lat", q.get("lat", ""), "--lon", q.get("lon", "")]
            args += self.flags(q, USE)
            if q.get("explain") in ("true", "1"):
                args.append("--explain")
        else:
            return self.error("no such endpoint", 404)
        rc, out, err = run(args)
        if rc not in (0, 1):
            return self.error(err.strip() or "failed")
        self.reply(200, out, types.get(fmt if path in ("/v1/zones", "/v1/diff") else "json"))

    def file(self, f):
        try:
            data = open(f, "rb").read()
        except OSError:
            return self.error("not found", 404)
        ctype = mimetypes.guess_type(f)[0] or "application/octet-stream"
        self.reply(200, data, ctype)


if __name__ == "__main__":
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[2], "w") as f:
        f.write(str(srv.server_address[1]))
    srv.serve_forever()
