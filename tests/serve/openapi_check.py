#!/usr/bin/python3
"""openapi_check.py: checks the service's real responses against its OpenAPI description.

  openapi_check.py PORT SPEC

Asks the running server a set of requests covering every path and method the description
documents, and for each response checks that its status is documented for that operation, that
its content type is one the description lists, and that a JSON body (every line of an NDJSON
body) validates against the documented schema (OpenAPI 3.0 schemas checked as JSON Schema, with
`nullable` read as a union with null). Every parameter sent must be documented. Prints PASS/FAIL
lines. Needs Debian's python3-jsonschema.
"""
import copy, http.client, json, sys, urllib.parse
import jsonschema

port, spec_path = int(sys.argv[1]), sys.argv[2]
spec = json.load(open(spec_path))

def check(name, cond, why=""):
    print(("PASS %s" % name) if cond else ("FAIL %s: %s" % (name, why)), flush=True)

def nullable(s):
    if isinstance(s, dict):
        s = {k: nullable(v) for k, v in s.items()}
        if s.pop("nullable", False):
            s = {"anyOf": [s, {"type": "null"}]}
        return s
    if isinstance(s, list):
        return [nullable(v) for v in s]
    return s

doc = nullable(copy.deepcopy(spec))
resolver = jsonschema.RefResolver.from_schema(doc)

def deref(o):
    while isinstance(o, dict) and "$ref" in o:
        path = o["$ref"].lstrip("#/").split("/")
        o = doc
        for p in path:
            o = o[p]
    return o

seen = set()
QUERY = json.dumps({"id": "q", "date": "2024-06-10", "weapon": "gmlrs", "purpose": "counterfire",
                    "target": {"lat": 50.6, "lon": 36.59, "kind": "forces"}})
requests = [
    ("GET", "/v1/decisions?weapon=gmlrs&lat=50.6&lon=36.59&kind=forces&date=2024-06-10&purpose=counterfire", None),
    ("GET", "/v1/decisions?weapon=atacms&lat=50.6&lon=36.59&kind=forces&date=2024-06-10&explain=1&id=x&uncertainty_m=300&launch_lat=50&launch_lon=36.2", None),
    ("GET", "/v1/decisions?weapon=nope&lat=95&lon=36.59&kind=forces&date=2024-06-10", None),
    ("POST", "/v1/decisions", QUERY + "\nnot json\n\n" + QUERY),
    ("POST", "/v1/decisions?explain=1", "[" + QUERY + "," + QUERY + "]"),
    ("POST", "/v1/decisions?explain=maybe", QUERY),
    ("GET", "/v1/zones", None),
    ("GET", "/v1/zones?weapon=gmlrs&kind=forces&date=2024-06-10&format=svg", None),
    ("GET", "/v1/zones?zones=nowhere", None),
    ("GET", "/v1/diff?from=2024-05-01&to=2024-06-10", None),
    ("GET", "/v1/diff?from=2024-05-01&to=2024-06-10&format=md&party=US", None),
    ("GET", "/v1/diff?from=2024-05-01", None),
    ("GET", "/v1/timeline", None),
    ("GET", "/v1/timeline?format=text&weapon=atacms", None),
    ("GET", "/v1/timeline?format=png", None),
    ("GET", "/v1/sources", None),
    ("GET", "/v1/sources?format=md", None),
    ("GET", "/v1/pack", None),
    ("GET", "/v1/openapi.json", None),
    ("GET", "/healthz", None),
    ("GET", "/metrics", None),
]
for method, target, body in requests:
    path, _, qs = target.partition("?")
    op = spec["paths"].get(path, {}).get(method.lower())
    name = "%s %s" % (method, target[:70])
    if op is None:
        check(name, False, "not documented")
        continue
    seen.add((path, method.lower()))
    documented = {p["name"] for p in op.get("parameters", [])}
    for k, _ in urllib.parse.parse_qsl(qs, keep_blank_values=True):
        check("%s: parameter %s documented" % (name, k), k in documented, sorted(documented))
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, target, body=body.encode() if body else None)
    r = c.getresponse()
    data = r.read()
    st = str(r.status)
    responses = op["responses"]
    check("%s: status %s documented" % (name, st), st in responses, sorted(responses))
    if st not in responses:
        continue
    rs = deref(responses[st])
    ctype = r.getheader("Content-Type", "").split(";")[0].strip()
    content = rs.get("content", {})
    check("%s: content type %s documented" % (name, ctype), ctype in content, sorted(content))
    if ctype not in content:
        continue
    schema = content[ctype]["schema"]
    if ctype in ("application/json", "application/geo+json"):
        docs = [json.loads(data)]
    elif ctype == "application/x-ndjson":
        docs = [json.loads(l) for l in data.decode().splitlines()]
    else:
        check("%s: a text body" % name, isinstance(data, bytes) and len(data) > 0)
        continue
    for i, d in enumerate(docs):
        try:
            jsonschema.validate(d, schema, resolver=resolver, cls=jsonschema.Draft4Validator)
            check("%s: body %d matches its schema" % (name, i), True)
        except jsonschema.ValidationError as e:
            check("%s: body %d matches its schema" % (name, i), False, "%s at %s" % (e.message[:200], list(e.absolute_path)))
for path, ops in spec["paths"].items():
    for m in ops:
        check("%s %s exercised" % (m.upper(), path), (path, m) in seen)
