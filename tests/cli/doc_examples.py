#!/usr/bin/env python3
"""doc_examples.py: runs the examples of a user manual (docs/language.md, docs/semantics.md) and
compares what they print with what the page shows, so the documentation cannot drift.

An example is a line "$ COMMAND" inside a fenced code block, followed by the lines it must print
(standard output, then standard error) up to the next "$ " line or the end of the block. A
command may continue on the next line after a trailing backslash. Every word `caveat` at the
start of a command or after a pipe is the binary under test; commands run in docs/examples
(or in the directory --cwd names: docs/audit.md's run in the repository's root).

A block whose info string is "pending" is shown to readers but not run: it holds an output the
current build cannot produce yet (it is counted and listed, so it is not forgotten).

Usage: doc_examples.py [--update] [--min N] [--cwd DIR] CAVEAT DOC.md
  --update  rewrite the page with what the commands print now (review with git diff)
  --min N   fail when the page has fewer than N executed examples
Exit status 0 when every example prints what the page shows.
"""
import os
import re
import subprocess
import sys


def blocks(lines):
    """Yields (info, first, last) for every fenced block: its lines are lines[first:last]."""
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\S*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        info, start = m.group(1), i + 1
        i = start
        while i < len(lines) and not lines[i].startswith("```"):
            i += 1
        yield info, start, i
        i += 1


def examples(lines, first, last):
    """Yields (command, cmd_first, out_first, out_last) within one block."""
    i = first
    while i < last:
        if not lines[i].startswith("$ "):
            i += 1
            continue
        start = i
        cmd = lines[i][2:]
        while cmd.endswith("\\") and i + 1 < last:
            i += 1
            cmd = cmd[:-1] + " " + lines[i].strip()
        i += 1
        out = i
        while i < last and not lines[i].startswith("$ "):
            i += 1
        yield cmd, start, out, i


def main(argv):
    update = "--update" in argv
    argv = [a for a in argv if a != "--update"]
    minimum = 0
    if "--min" in argv:
        k = argv.index("--min")
        minimum = int(argv[k + 1])
        del argv[k:k + 2]
    cwd = None
    if "--cwd" in argv:
        k = argv.index("--cwd")
        cwd = os.path.abspath(argv[k + 1])
        del argv[k:k + 2]
    caveat, doc = os.path.realpath(argv[0]), argv[1]
    cwd = cwd or os.path.join(os.path.dirname(os.path.abspath(doc)), "examples")
    lines = open(doc, encoding="utf-8").read().split("\n")
    failed = count = pending = 0
    replacements = []  # (out_first, out_last, new lines)
    for info, first, last in blocks(lines):
        for cmd, start, out, end in examples(lines, first, last):
            if not re.search(r"(^|\|\s*)caveat\b", cmd):
                continue
            if info == "pending":
                pending += 1
                continue
            run = re.sub(r"(^|\|\s*)caveat\b", lambda m: m.group(1) + caveat, cmd)
            r = subprocess.run(run, shell=True, capture_output=True, text=True, cwd=cwd)
            count += 1
            got = (r.stdout + r.stderr).rstrip("\n")
            want = "\n".join(lines[out:end]).rstrip("\n")
            if got != want:
                failed += 1
                replacements.append((out, end, got.split("\n") if got else []))
                if not update:
                    print(f"{doc}:{start + 1}: differs for: {cmd}\n--- got:\n{got}\n--- doc:\n{want}\n")
    if update and replacements:
        for out, end, new in reversed(replacements):
            lines[out:end] = new
        open(doc, "w", encoding="utf-8").write("\n".join(lines))
        print(f"{doc}: {len(replacements)} examples rewritten")
        failed = 0
    if pending:
        print(f"{doc}: {pending} pending examples not run (blocks marked ```pending)")
    if count < minimum:
        print(f"{doc}: {count} executed examples, fewer than {minimum}")
        failed += 1
    print(f"{doc}: {count} examples run, {failed} differ")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
