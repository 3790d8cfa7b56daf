"""cavpack.py - what the default pack's tests need to read from a pack directory.

A deliberately small reader of .cav files: it splits a file into statements (a statement starts
with its keyword in column 1), tokenises strings (with the \\" \\\\ \\n escapes, adjacent strings
joined), names and brackets, and keeps, per statement, the clauses the pack tests look at:
party, source, quote, paraphrase, says, disputed, assumption, url. It is not a second implementation of the language:
the tests check that the statements it finds are exactly the rules, notes and sources the real
tool reports (`caveat catalog ... --format json`), so a statement it misread cannot go unnoticed.
"""
import json
import os
import re
import subprocess

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:[-.][A-Za-z0-9_]+)*")


def tokens(text):
    """Yields (kind, value) for a statement's text: 'str', 'name' or 'punct'."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c == '"':
            i += 1
            out = []
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    out.append({"n": "\n", '"': '"', "\\": "\\"}.get(text[i + 1], text[i + 1]))
                    i += 2
                else:
                    out.append(text[i])
                    i += 1
            i += 1
            yield "str", "".join(out)
        else:
            m = NAME.match(text, i)
            if m:
                yield "name", m.group(0)
                i = m.end()
            else:
                yield "punct", c
                i += 1


def statements(path):
    """The statements of one .cav file: dicts with keyword, name, title and clauses."""
    lines = open(path, encoding="utf-8").read().split("\n")
    chunks, cur = [], None
    for line in lines:
        if line[:1].isalpha():
            cur = [line]
            chunks.append(cur)
        elif cur is not None:
            cur.append(line)
    out = []
    for chunk in chunks:
        toks = list(tokens("\n".join(chunk)))
        st = {"keyword": toks[0][1], "name": toks[1][1] if len(toks) > 1 else None,
              "file": os.path.basename(path)}
        k = 2
        if k < len(toks) and toks[k][0] == "str":
            st["title"] = toks[k][1]
            k += 1
        while k < len(toks):
            kind, val = toks[k]
            k += 1
            if kind != "name":
                continue
            if val in ("quote", "paraphrase", "assumption", "url", "says", "disputed"):
                parts = []
                while k < len(toks) and toks[k][0] == "str":
                    parts.append(toks[k][1])
                    k += 1
                if parts:
                    st[val] = "".join(parts)
            elif val in ("source", "party") and k < len(toks):
                key = "sources" if val == "source" else "parties"
                if toks[k] == ("punct", "["):
                    names = []
                    k += 1
                    while k < len(toks) and toks[k] != ("punct", "]"):
                        if toks[k][0] == "name":
                            names.append(toks[k][1])
                        k += 1
                    st[key] = names
                elif toks[k][0] == "name":
                    st[key] = [toks[k][1]]
                    k += 1
                elif toks[k] == ("punct", "*"):
                    st[key] = ["*"]
                    k += 1
        out.append(st)
    return out


def pack(directory):
    """Every statement of every .cav file of the directory, by keyword and name."""
    res = {}
    for f in sorted(os.listdir(directory)):
        if f.endswith(".cav"):
            for st in statements(os.path.join(directory, f)):
                res.setdefault(st["keyword"], {})[st["name"]] = st
    return res


def catalog(caveat, directory, what):
    """`caveat catalog WHAT --format json` for the pack in directory."""
    out = subprocess.run([caveat, "catalog", what, "--format", "json", "--policy", directory],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


class Failures:
    """Collects failures so that one run reports every one of them."""

    def __init__(self):
        self.items = []

    def __call__(self, msg):
        self.items.append(msg)

    def report(self, what, ok_count):
        for m in self.items:
            print("FAIL: " + m)
        print("%s: %d checked, %d failures" % (what, ok_count, len(self.items)))
        return 1 if self.items else 0
