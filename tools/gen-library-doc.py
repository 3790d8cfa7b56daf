#!/usr/bin/env python3
"""gen-library-doc.py — keeps docs/library.md true: its code is the examples' code, its output
their real output, and it names every function of include/caveat.h.

In docs/library.md:

  <!-- file: examples/c/first.c -->        the next ```c block is that whole file
  <!-- excerpt: examples/c/decide.c | static int bind( | } -->
                                           the next ```c block is that file from the first line
                                           containing "static int bind(" to the next line that
                                           is exactly "}"
  ```console                               "$ command" lines (run with sh from the repository
  $ build/examples/first                   root, build/ standing for the build directory), each
  ...                                      followed by the standard output it prints
  ```

Usage: tools/gen-library-doc.py BUILD_DIR           rewrite docs/library.md from the files and runs
       tools/gen-library-doc.py --check BUILD_DIR   exit 1 (with a diff) when it differs, when a
                                                   function of caveat.h is not named in it, or when
                                                   an example of examples/c is not shown in it
"""
import difflib
import os
import re
import subprocess
import sys

DOC = "docs/library.md"
HEADER = "include/caveat.h"
EXAMPLES = "examples/c"

MARK = re.compile(r"<!-- (file|excerpt): ([^ |]+)(?: \| (.*?) \| (.*?))? -->")


def excerpt(path, start, end):
    lines = open(path).read().split("\n")
    for i, line in enumerate(lines):
        if start in line:
            for j in range(i, len(lines)):
                if lines[j] == end:
                    return "\n".join(lines[i:j + 1]) + "\n"
            raise SystemExit(f"{DOC}: no line '{end}' after '{start}' in {path}")
    raise SystemExit(f"{DOC}: no line with '{start}' in {path}")


def run(cmd, build):
    cmd = re.sub(r"(^|[\s|;(])build/", lambda m: m.group(1) + build + "/", cmd)
    r = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True)
    return r.stdout


def console(block, build):
    """Each "$ command" line of a console block followed by what it prints now."""
    out, lines, i = [], block.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.startswith("$ "):
            continue
        cmd = line[2:]
        while cmd.endswith("\\") and i < len(lines):
            cmd = cmd[:-1] + lines[i].strip()
            line += "\n" + lines[i]
            i += 1
        out.append(line)
        got = run(cmd, build).rstrip("\n")
        if got:
            out.append(got)
        while i < len(lines) and not lines[i].startswith("$ "):
            i += 1
    return "\n".join(out) + "\n"


def regenerate(doc, build):
    parts = re.split(r"(```[a-z]*\n.*?```)", doc, flags=re.S)
    pending = None
    for k, part in enumerate(parts):
        if not part.startswith("```"):
            marks = MARK.findall(part)
            pending = marks[-1] if marks and part.rstrip().endswith("-->") else None
            continue
        lang = part[3:part.index("\n")]
        if lang == "c" and pending:
            kind, path, start, end = pending
            text = open(path).read() if kind == "file" else excerpt(path, start, end)
            parts[k] = "```c\n" + text + "```"
        elif lang == "console":
            parts[k] = "```console\n" + console(part[len("```console\n"):-3], build) + "```"
        pending = None
    return "".join(parts)


def problems(doc):
    found = []
    header = open(HEADER).read()
    functions = re.findall(r"CAV_API\s[^;(]*?\b(cav_\w+)\s*\(", header)
    for name in functions:
        if not re.search(r"\b" + name + r"\b", doc):
            found.append(f"{DOC} does not name {name} (a function of {HEADER})")
    shown = {m[1] for m in MARK.findall(doc)}
    for name in sorted(os.listdir(EXAMPLES)):
        path = f"{EXAMPLES}/{name}"
        if name.endswith(".c") and path not in shown:
            found.append(f"{DOC} shows nothing of {path}")
        if name.endswith(".c") and f"build/examples/{name[:-2]}" not in doc:
            found.append(f"{DOC} never runs {path} (build/examples/{name[:-2]})")
    for m in MARK.findall(doc):
        if not os.path.exists(m[1]):
            found.append(f"{DOC} includes {m[1]}, which does not exist")
    if len(functions) < 90:
        found.append(f"only {len(functions)} functions found in {HEADER}: is the pattern stale?")
    return found


def main():
    args = sys.argv[1:]
    check = args[:1] == ["--check"]
    if check:
        args = args[1:]
    if len(args) != 1:
        raise SystemExit(__doc__)
    build = os.path.realpath(args[0])
    doc = open(DOC).read()
    new = regenerate(doc, build)
    found = problems(doc if check else new)
    if check and new != doc:
        sys.stdout.writelines(difflib.unified_diff(doc.splitlines(True), new.splitlines(True),
                                                   DOC, DOC + " (now)", n=1))
        found.append(f"{DOC} differs from the examples and their output: "
                     "run tools/gen-library-doc.py BUILD_DIR")
    if not check and new != doc:
        with open(DOC + ".tmp", "w") as f:
            f.write(new)
        os.replace(DOC + ".tmp", DOC)
        print(f"{DOC} rewritten")
    for p in found:
        print("FAIL: " + p, file=sys.stderr)
    if check and not found:
        print(f"{DOC}: code, output and the {HEADER} functions all agree")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
