#!/usr/bin/env python3
"""Runs the commands the README and docs/*.md show, and compares their output with what is shown.

Run from anywhere:  python3 Tests/docs/check_docs.py [--nsspec PATH] [FILE.md…]
(`make test-docs`; default files: README.md and docs/*.md; default binary: NSSPEC, else
.build/debug/nsspec.)

The convention, for whoever writes docs:

    ```console
    $ nsspec validate specs/hello.yaml
    1 spec checked: all valid
    ```

- Only fenced blocks whose info string starts with `console` are checked; every other block
  (```sh, ```yaml, a bare ```) is left alone: use those for what is not a command's output.
- In a console block, a line starting with `$ ` is a command; the lines after it, up to the next
  `$ ` line or the fence, are its expected output: standard output and standard error together,
  as a terminal shows them. A command's exit status is not checked (its output says enough).
- Each command runs with bash from the repository root (```console tmpdir: in a new empty
  directory instead, the same for every command of the block, so that `nsspec init` writes
  nowhere in the repository), with `nsspec` on PATH meaning the binary under test, standard
  input /dev/null (no terminal), a cache directory of the test's own (XDG_CACHE_HOME) and
  GITHUB_ACTIONS, TERM and NO_COLOR removed from the environment. The commands of a block run
  in order, so one may use what an earlier one made.
- Output is compared exactly, line by line, with one exception for what legitimately changes
  from run to run or host to host (a date, an inode number, the caller's uid in a uid_map) or
  for a long output cut short: `…` (U+2026) stands for any text within one line, and a line that
  is `…` alone (indentation aside) for any number of lines, none included. Trailing blank lines
  of an output are ignored. Nothing else is normalised.

A difference fails the check with the doc file and line of the command, and a diff of the
expected lines (numbered as in the doc) against the actual output.
"""

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ELLIPSIS = "\u2026"
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")


class Command:
    def __init__(self, doc, line, text, scratch):
        self.doc, self.line, self.text, self.scratch = doc, line, text, scratch
        self.expected = []  # (doc line number, text)


def blocks(path):
    """The console blocks of a Markdown file: lists of Commands."""
    lines = path.read_text(encoding="utf-8").split("\n")
    out = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = m.group(1), m.group(2), m.group(3).strip()
        words = info.split()
        start = i
        i += 1
        body = []
        while i < len(lines) and not (lines[i].strip().startswith(fence[0] * len(fence))
                                      and lines[i].strip().strip(fence[0]) == ""):
            body.append((i + 1, lines[i][len(indent):] if lines[i].startswith(indent) else lines[i]))
            i += 1
        i += 1
        if not words or words[0] != "console":
            continue
        scratch = "tmpdir" in words[1:]
        commands = []
        for number, text in body:
            if text.startswith("$ "):
                commands.append(Command(path, number, text[2:], scratch))
            elif commands:
                commands[-1].expected.append((number, text))
            elif text.strip():
                raise SystemExit(f"{rel(path)}:{number}: output before any `$ ` command in the console block "
                                 f"that starts at line {start + 1}")
        out.append(commands)
    return out


def rel(path):
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def pattern(line):
    """A regular expression for one expected line: `…` is any text, the rest literal."""
    return re.compile("".join(".*" if part == ELLIPSIS else re.escape(part)
                              for part in re.split(f"({ELLIPSIS})", line)) + r"\Z", re.S)


def matches(expected, actual):
    """Whether the actual lines match the expected ones (`…` lines: any number of lines)."""
    pats = [None if e.strip() == ELLIPSIS else pattern(e) for e in expected]
    memo = {}

    def go(i, j):
        if (i, j) in memo:
            return memo[(i, j)]
        if i == len(pats):
            result = j == len(actual)
        elif pats[i] is None:
            result = go(i + 1, j) or (j < len(actual) and go(i, j + 1))
        else:
            result = j < len(actual) and pats[i].match(actual[j]) is not None and go(i + 1, j + 1)
        memo[(i, j)] = result
        return result

    return go(0, 0)


def trim(lines):
    while lines and lines[-1].strip() == "":
        lines = lines[:-1]
    return lines


def run(command, cwd, env):
    proc = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    return proc.stdout.decode("utf-8", "replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nsspec", default=os.environ.get("NSSPEC", str(ROOT / ".build" / "debug" / "nsspec")))
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    binary = Path(args.nsspec).resolve()
    if not os.access(binary, os.X_OK):
        print(f"check_docs: no nsspec binary at {binary} (build it, or give --nsspec / NSSPEC)")
        return 2
    files = [Path(f).resolve() for f in args.files] or [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

    work = Path(tempfile.mkdtemp(prefix="nsspec-docs-"))
    try:
        (work / "bin").mkdir()
        (work / "bin" / "nsspec").symlink_to(binary)
        (work / "cache").mkdir(mode=0o700)
        env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "TERM", "NO_COLOR", "NSSPEC")}
        env["PATH"] = f"{work / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}"
        env["XDG_CACHE_HOME"] = str(work / "cache")
        checked = failed = 0
        for path in files:
            for number, commands in enumerate(blocks(path)):
                cwd = ROOT
                if commands and commands[0].scratch:
                    cwd = work / f"scratch-{rel(path).replace('/', '_')}-{number}"
                    cwd.mkdir()
                for c in commands:
                    checked += 1
                    actual = trim(run(c.text, cwd, env).split("\n"))
                    expected = trim([text for _, text in c.expected])
                    if matches(expected, actual):
                        continue
                    failed += 1
                    first = c.expected[0][0] if c.expected else c.line + 1
                    print(f"FAIL {rel(c.doc)}:{c.line}: $ {c.text}")
                    print(f"     the output differs from what {rel(c.doc)} shows (lines {first}–{first + len(expected) - 1};"
                          f" `{ELLIPSIS}` matches anything):")
                    diff = difflib.unified_diff(expected, actual, f"{rel(c.doc)}:{first} (shown)", "nsspec (actual)",
                                                lineterm="", n=2)
                    for d in diff:
                        # Number the shown side as the doc's lines.
                        hunk = re.match(r"@@ -(\d+)(,\d+)? ", d)
                        if hunk:
                            d = f"@@ -{int(hunk.group(1)) + first - 1}{hunk.group(2) or ''} " + d[hunk.end():]
                        print("     " + d)
        print(f"check_docs: {checked} commands of {', '.join(rel(f) for f in files)}: "
              f"{checked - failed} as shown, {failed} differ")
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
