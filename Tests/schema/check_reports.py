#!/usr/bin/env python3
"""validate's machine formats, read by the parsers CI systems use:

- `--format sarif` is valid against the SARIF 2.1.0 JSON Schema (OASIS errata01, copied in
  Tests/schema/sarif-schema-2.1.0.json), every result points into the tool's rule catalog, and
  its locations are the text output's file:line:col;
- `--format junit` parses with Python's XML parser, with one testcase per spec, a failure for
  each invalid spec, and the counts in the suite's attributes;
- `GITHUB_ACTIONS=true` makes the default format github, and only `true` does;
- a spec and a file name full of markup and control characters still give well-formed output.

Runs the debug binary (NSSPEC overrides) over specs/ and Tests/Fixtures/invalid/.
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import jsonschema

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
NSSPEC = os.environ.get("NSSPEC", str(ROOT / ".build" / "debug" / "nsspec"))
SCHEMA = json.loads((ROOT / "Tests" / "schema" / "sarif-schema-2.1.0.json").read_text())
problems = []


def problem(text):
    problems.append(text)
    print("FAIL " + text)


def validate(args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    env.update(env_extra or {})
    p = subprocess.run([NSSPEC, "validate", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def text_locations(out):
    """(file, line, col, rule) of each diagnostic in the text output."""
    return sorted(
        (m[0], int(m[1]), int(m[2]), m[3])
        for m in re.findall(r"^(.+?):(\d+):(\d+): (?:error|warning): .* \[([a-z0-9-]+)\]$", out, re.M)
    )


def check_sarif(files, name):
    rc, out, err = validate(["--format", "sarif", *files])
    try:
        log = json.loads(out)
    except json.JSONDecodeError as e:
        return problem(f"{name}: sarif output is not JSON: {e}")
    errors = list(jsonschema.Draft4Validator(SCHEMA).iter_errors(log))
    for e in errors[:5]:
        problem(f"{name}: SARIF schema: {e.json_path}: {e.message}")
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    if len(set(ids)) != len(ids):
        problem(f"{name}: a rule id twice in the catalog")
    for r in rules:
        if not r["shortDescription"]["text"] or not r["help"]["text"]:
            problem(f"{name}: rule {r['id']} lacks a summary or help text")
    found = []
    for res in run["results"]:
        i = res.get("ruleIndex")
        if i is None or ids[i] != res["ruleId"]:
            problem(f"{name}: result {res['ruleId']} does not point at its rule in the catalog")
        loc = res["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        if "region" in loc:
            found.append((uri, loc["region"]["startLine"], loc["region"]["startColumn"], res["ruleId"]))
    rc_text, out_text, _ = validate(["--format", "text", *files])
    if rc != rc_text:
        problem(f"{name}: sarif exit status {rc}, text {rc_text}")
    if sorted(found) != text_locations(out_text):
        problem(f"{name}: sarif locations differ from the text output's:\n  {sorted(found)[:4]}\n  {text_locations(out_text)[:4]}")
    return log


def check_junit(files, name, invalid):
    rc, out, err = validate(["--format", "junit", *files])
    try:
        root = ET.fromstring(out)
    except ET.ParseError as e:
        return problem(f"{name}: junit output is not XML: {e}")
    cases = root.findall("./testsuite/testcase")
    if [c.get("name") for c in cases] != files:
        problem(f"{name}: testcases {[c.get('name') for c in cases][:4]}… are not one per spec, in order")
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    if sorted(failed) != sorted(invalid):
        problem(f"{name}: failures {failed[:4]}… but invalid specs {invalid[:4]}…")
    suite = root.find("testsuite")
    if suite is None or suite.get("tests") != str(len(files)) or suite.get("failures") != str(len(failed)):
        problem(f"{name}: testsuite counts {suite.attrib if suite is not None else None}")
    if rc != (1 if invalid else 0):
        problem(f"{name}: exit status {rc}")


def main():
    specs = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "specs").glob("*.yaml"))
    fixtures = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "Tests" / "Fixtures" / "invalid").glob("*.yaml"))
    invalid = [f for f in fixtures if validate([f])[0] == 1]

    log = check_sarif(specs, "examples")
    if log and log["runs"][0]["results"]:
        problem("examples: results for valid specs")
    log = check_sarif(fixtures, "invalid fixtures")
    if log:
        fired = {r["ruleId"] for r in log["runs"][0]["results"]}
        print(f"sarif: {len(log['runs'][0]['results'])} results of {len(fired)} rules over {len(fixtures)} fixtures")
    check_sarif(["Tests/Fixtures/invalid/no-such-file.yaml"], "unreadable file")
    check_junit(specs + fixtures, "examples and fixtures", invalid)
    print(f"junit: {len(specs) + len(fixtures)} testcases, {len(invalid)} failures")

    # GITHUB_ACTIONS chooses github annotations; anything but "true" leaves text.
    bad = "Tests/Fixtures/invalid/seven-mistakes.yaml"
    for value, want in (("true", "::error file="), ("false", ": error: "), (None, ": error: ")):
        _, out, _ = validate([bad], {"GITHUB_ACTIONS": value} if value else {})
        if want not in out:
            problem(f"GITHUB_ACTIONS={value}: expected {want!r} in the default output")

    # Markup and controls in the spec and in its name: still one well-formed document each.
    with tempfile.TemporaryDirectory() as d:
        nasty = pathlib.Path(d) / 'a<b>&"c\x1b[31m.yaml'
        nasty.write_text('version: 1\nhostname: "<x>&\\e[2J\\u202e\\uffff"\nbogus<&>: 1\n', encoding="utf-8")
        rc, out, _ = validate(["--format", "junit", str(nasty)])
        try:
            body = ET.fromstring(out).find("./testsuite/testcase/failure").text
            if "\x1b" in body or "\u202e" in body:
                problem("junit: an escape or bidi character from the spec reached the output")
        except (ET.ParseError, AttributeError) as e:
            problem(f"junit of a spec full of markup: {e}")
        rc, out, _ = validate(["--format", "sarif", str(nasty)])
        try:
            log = json.loads(out)
            for e in list(jsonschema.Draft4Validator(SCHEMA).iter_errors(log))[:3]:
                problem(f"sarif of a spec full of markup: {e.message}")
            uri = log["runs"][0]["artifacts"][0]["location"]["uri"]
            if re.search(r"[^A-Za-z0-9\-._~/%:]", uri):
                problem(f"sarif: uri {uri!r} is not percent-encoded")
        except json.JSONDecodeError as e:
            problem(f"sarif of a spec full of markup: {e}")

    print("check_reports: " + ("FAILED" if problems else "ok"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
