#!/usr/bin/env python3
"""doc_examples.py: runs the examples of a user manual (docs/language.md, docs/semantics.md) and
compares what they print with what the page shows, so the documentation cannot drift.

An example is a line "$ COMMAND" inside a fenced code block, followed by the lines it must print
(standard output, then standard error) up to the next "$ " line or the end of the block. A
command may continue on the next line after a trailing backslash. Every word `caveat` at the
start of a command or after a pipe, `&&` or `;` is the binary under test; commands run in docs/examples
(or in the directory --cwd names: docs/audit.md's run in the repository's root).

A block whose info string is "pending" is shown to readers but not run: it holds an output the
current build cannot produce yet (it is counted and listed, so it is not forgotten). A block whose
info string is "volatile" holds output that changes from run to run (a time, a hash over times, a
duration): it is compared with the parts that match a --mask blanked, and --update rewrites it.

Options for pages that are not about the command line alone (docs/serve.md, run by
tests/serve/test_docs.sh against a real server):
  --all          run every "$ " command, not only those that name caveat
  --skip REGEX   do not run the commands that match (a server's start, a signal): counted
  --sub OLD=NEW  replace OLD by NEW in every command before it runs (the server's real port)
  --mask REGEX   in volatile blocks, what to blank before comparing (repeatable)

Usage: doc_examples.py [--update] [--min N] [--cwd DIR] [--all] [--skip REGEX] [--sub OLD=NEW]
                       CAVEAT DOC.md
  --update  rewrite the page with what the commands print now (review with git diff)
  --min N   fail when the page has fewer than N executed examples
Exit status 0 when every example prints what the page shows.
"""
import os
import re
import subprocess
import sys


# the word caveat where a command starts: at the start, after a pipe, && or ; (not in a path or
# a longer name: caveat-x, caveat.h, caveat/)
CAVEAT = re.compile(r"(^|\|\s*|&&\s*|;\s*)caveat(?=\s|$)")


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
    run_all = "--all" in argv
    argv = [a for a in argv if a != "--all"]

    def option(name):
        if name not in argv:
            return None
        k = argv.index(name)
        value = argv[k + 1]
        del argv[k:k + 2]
        return value

    masks = []
    while "--mask" in argv:
        masks.append(re.compile(option("--mask")))

    def masked(text):
        for m in masks:
            text = m.sub("#", text)
        return text

    cwd = option("--cwd")
    cwd = cwd and os.path.abspath(cwd)
    skip = option("--skip")
    sub = option("--sub")
    sub = sub.split("=", 1) if sub else None
    caveat, doc = os.path.realpath(argv[0]), argv[1]
    cwd = cwd or os.path.join(os.path.dirname(os.path.abspath(doc)), "examples")
    lines = open(doc, encoding="utf-8").read().split("\n")
    failed = count = pending = skipped = volatile = 0
    replacements = []  # (out_first, out_last, new lines)
    for info, first, last in blocks(lines):
        for cmd, start, out, end in examples(lines, first, last):
            if not run_all and not CAVEAT.search(cmd):
                continue
            if info == "pending":
                pending += 1
                continue
            if skip and re.search(skip, cmd):
                skipped += 1
                continue
            run = CAVEAT.sub(lambda m: m.group(1) + caveat, cmd)
            if sub:
                run = run.replace(sub[0], sub[1])
            r = subprocess.run(run, shell=True, capture_output=True, text=True, cwd=cwd)
            got = (r.stdout + r.stderr).replace("\r\n", "\n").rstrip("\n")
            want = "\n".join(lines[out:end]).rstrip("\n")
            if info == "volatile":  # compared with the --mask parts blanked; --update rewrites it
                volatile += 1
                if update and got != want:
                    replacements.append((out, end, got.split("\n") if got else []))
                elif masked(got) != masked(want):
                    failed += 1
                    print(f"{doc}:{start + 1}: differs, masked, for: {cmd}\n--- got:\n{masked(got)}\n"
                          f"--- doc:\n{masked(want)}\n")
                continue
            count += 1
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
    if skipped or volatile:
        print(f"{doc}: {skipped} examples skipped (--skip), {volatile} compared with times and "
              "hashes masked (blocks marked ```volatile)")
    if count < minimum:
        print(f"{doc}: {count} executed examples, fewer than {minimum}")
        failed += 1
    print(f"{doc}: {count} examples run, {failed} differ")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
