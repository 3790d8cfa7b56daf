"""python-doc.py — the Python examples of a Markdown file, run for real.

Every ```pycon block of the file is a Python session: lines starting with ">>> " or "... " are
code, the lines after them up to the next ">>> " (or the block's end) are what the session
printed: stdout and the repr of an expression's value, as the interactive interpreter shows
them. Blocks run in order in one namespace, from the repository root, so a later block can use
what an earlier one made. ```python blocks are shown, not run (a cluster address of the reader's).

  python-doc.py --check FILE   exit 1 and show a diff where a printed output differs
  python-doc.py --write FILE   rewrite the outputs from a real run

ctest runs `--check docs/python.md` (python/docs), so the documentation cannot drift.
"""

import argparse
import code
import contextlib
import difflib
import io
import os
import re
import sys
import traceback

FENCE = re.compile(r"^```pycon\s*$")


def parse(lines):
    """The file as a list of pieces: ("text", [lines]) and ("pycon", [(code, expected)])."""
    pieces, i = [], 0
    text = []
    while i < len(lines):
        if FENCE.match(lines[i]):
            text.append(lines[i])
            pieces.append(("text", text))
            text = []
            i += 1
            steps = []
            while i < len(lines) and not lines[i].startswith("```"):
                if lines[i].startswith(">>> "):
                    src = [lines[i][4:]]
                    i += 1
                    while i < len(lines) and (lines[i].startswith("... ") or lines[i] == "..."):
                        src.append(lines[i][4:])
                        i += 1
                    out = []
                    while i < len(lines) and not lines[i].startswith(">>> ") and \
                            not lines[i].startswith("```"):
                        out.append(lines[i])
                        i += 1
                    steps.append(("\n".join(src), out))
                else:
                    raise SystemExit(f"line {i + 1}: a pycon block must start with '>>> '")
            pieces.append(("pycon", steps))
            continue
        text.append(lines[i])
        i += 1
    pieces.append(("text", text))
    return pieces


def run(source, namespace):
    """Runs one step as the interactive interpreter would; returns what it printed."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        try:
            compiled = code.compile_command(source + "\n", "<doc>", "single")
            if compiled is None:  # incomplete: a block statement, ended by the blank line
                compiled = compile(source + "\n\n", "<doc>", "single")
            exec(compiled, namespace)
        except Exception:  # shown as the interpreter shows it: the last line of the traceback
            etype, value, _ = sys.exc_info()
            print("Traceback (most recent call last):")
            print("  ...")
            print("".join(traceback.format_exception_only(etype, value)).rstrip())
    return [line.rstrip() for line in buf.getvalue().rstrip("\n").split("\n")] \
        if buf.getvalue() else []


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--write", action="store_true")
    ap.add_argument("file")
    args = ap.parse_args()
    with open(args.file) as f:
        lines = f.read().split("\n")
    pieces = parse(lines)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.chdir(root)
    namespace = {"__name__": "__doc__"}
    sys.displayhook = sys.__displayhook__
    out_lines, failures, steps = [], 0, 0
    for kind, body in pieces:
        if kind == "text":
            out_lines.extend(body)
            continue
        for source, expected in body:
            steps += 1
            got = run(source, namespace)
            src_lines = source.split("\n")
            out_lines.append(">>> " + src_lines[0])
            out_lines.extend(("... " + s) if s else "..." for s in src_lines[1:])
            out_lines.extend(got)
            exp = [line.rstrip() for line in expected]
            while exp and exp[-1] == "":
                exp.pop()
            if got != exp:
                failures += 1
                if args.check:
                    print(f"{args.file}: the output of >>> {src_lines[0]} differs:")
                    sys.stdout.writelines(difflib.unified_diff(
                        [x + "\n" for x in exp], [x + "\n" for x in got], "documented",
                        "real run"))
    if args.write:
        with open(args.file, "w") as f:
            f.write("\n".join(out_lines))
        print(f"{args.file}: {steps} examples run, {failures} outputs rewritten")
        return 0
    print(f"{args.file}: {steps} examples, {steps - failures} passed, {failures} failed")
    return 1 if failures or steps == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
