#!/usr/bin/python3
"""quotes.py - every quotation in the default pack is verbatim from the source it cites.

Usage: tests/pack/quotes.py CAVEAT [PACKDIR]   (PACKDIR defaults to packs/default)

A rule's or note's `quote` must occur, character for character, in the held text of the first
source it cites (the one the explanation names after the quote):
  - a source whose address is the copy packs/default/sources/cnn-2024-05-30.txt: the CNN text;
  - a source whose address appears in a row of the timeline (packs/default/sources/timeline.md):
    one of the spans that row puts in quotation marks (the timeline's own summary is not a quote);
  - a source whose address is a section of the timeline copy: a quoted span of that section.
Anything else must be a `paraphrase`: a quote whose source text the repository does not hold
cannot be checked, so it is a failure too. Every rule must quote or paraphrase its source, and
every source must carry an address a reader can follow (https://, or a file of this repository).
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cavpack  # noqa: E402


def norm_url(u):
    u = re.sub(r"^https?://", "", u)
    return re.sub(r"^www\.", "", u).rstrip("/")


def quoted_spans(text):
    return re.findall(r'"([^"\n]*)"', text)


def main():
    caveat = sys.argv[1]
    pdir = sys.argv[2] if len(sys.argv) > 2 else "packs/default"
    repo = os.path.abspath(os.path.join(pdir, "..", ".."))
    fail = cavpack.Failures()
    p = cavpack.pack(pdir)
    rules = {**p.get("permit", {}), **p.get("forbid", {})}
    notes = p.get("note", {})
    sources = p.get("source", {})

    # the reader found exactly what the tool found
    for what, mine in (("rules", rules), ("notes", notes), ("sources", sources)):
        theirs = {x["id"] for x in cavpack.catalog(caveat, pdir, what)}
        if theirs != set(mine):
            fail("%s read here %s differ from `caveat catalog %s` %s" %
                 (what, sorted(set(mine) - theirs), what, sorted(theirs - set(mine))))

    cnn_path = os.path.join(pdir, "sources", "cnn-2024-05-30.txt")
    tl_path = os.path.join(pdir, "sources", "timeline.md")
    cnn = open(cnn_path, encoding="utf-8").read()
    tl = open(tl_path, encoding="utf-8").read()
    rows = [line for line in tl.split("\n") if line.startswith("|")]

    def held(src_id):
        """(kind, texts): the texts a quote citing this source may come from, or None."""
        s = sources.get(src_id)
        if not s or "url" not in s:
            return None
        url = s["url"]
        path = url.split("#")[0]
        if os.path.abspath(os.path.join(repo, path)) == os.path.abspath(cnn_path):
            return ("the CNN text", [cnn])
        if os.path.abspath(os.path.join(repo, path)) == os.path.abspath(tl_path) and "#" in url:
            frag = url.split("#", 1)[1]
            heads = [(m.start(), m.group(1)) for m in re.finditer(r"^#+ (.*)$", tl, re.M)]
            for k, (start, head) in enumerate(heads):
                slug = re.sub(r"[^a-z0-9 -]", "", head.lower()).replace(" ", "-")
                if slug == frag:
                    end = heads[k + 1][0] if k + 1 < len(heads) else len(tl)
                    return ("the quoted words of that section", quoted_spans(tl[start:end]))
            return None
        mine = [r for r in rows if norm_url(url) in r]
        if mine:
            spans = [q for r in mine for q in quoted_spans(r)]
            return ("the quoted words of the timeline row", spans)
        return None

    checked = 0
    for sid, s in sorted(sources.items()):
        url = s.get("url")
        checked += 1
        if not url:
            fail("source %s has no address" % sid)
        elif not url.startswith("https://"):
            path = os.path.join(repo, url.split("#")[0])
            if not os.path.isfile(path):
                fail("source %s: address %r is neither https:// nor a file of the repository"
                     % (sid, url))
        if url and ("shared/" in url or url.startswith("..")):
            fail("source %s points outside the repository: %r" % (sid, url))

    for kind, items in (("rule", rules), ("note", notes)):
        for rid, st in sorted(items.items()):
            checked += 1
            if kind == "rule" and "quote" not in st and "paraphrase" not in st:
                fail("rule %s neither quotes nor paraphrases its source" % rid)
            if "quote" not in st:
                continue
            q = st["quote"]
            srcs = st.get("sources", [])
            if not srcs:
                fail("%s %s quotes but cites no source" % (kind, rid))
                continue
            h = held(srcs[0])
            if h is None:
                fail("%s %s quotes %r, but the repository holds no text of %s: make it a "
                     "paraphrase" % (kind, rid, q, srcs[0]))
                continue
            what, texts = h
            if not any(q in t for t in texts):
                fail("%s %s quotes %r, which is not verbatim in %s (%s): make it a paraphrase "
                     "or quote the exact words" % (kind, rid, q, what, srcs[0]))
    return fail.report("quotes", checked)


if __name__ == "__main__":
    sys.exit(main())
