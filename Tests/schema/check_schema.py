#!/usr/bin/env python3
"""Checks schema/nsspec.schema.json, the JSON Schema of nsspec spec format v1.

Run from the repository root:  python3 Tests/schema/check_schema.py

1. the schema is a valid draft 2020-12 schema, with $schema and $id;
2. every declared property has a one-line description, every object schema rejects unknown
   keys, and every property whose default docs/spec-v1.md gives carries that `default`;
3. every specs/*.yaml (and bench/*.yaml, if that folder exists) starts with the
   yaml-language-server schema line (specs/ only) and is valid;
   so is each spec `nsspec init --template X` writes (the binary: NSSPEC, or .build/debug/nsspec);
4. every Tests/Fixtures/invalid/*.yaml whose golden `.expected` output has only structural
   errors (unknown-key, wrong-type, missing-field) is rejected by the schema;
5. an inline table of structural negative cases is rejected and of positive cases accepted.

YAML is loaded the way nsspec reads it, not the way PyYAML's YAML 1.1 resolver would:
`true`/`false` are the only booleans, plain decimal digits without a leading zero are the only
integers; `yes`/`on`/`Y`… and non-canonical numbers (`01`, `+1`, `1.0`, `0x1`, `0755`) load as
values of no JSON type, so the schema rejects them wherever they appear (stricter than nsspec,
which takes a plain number as a string where a string is expected). null and empty values load
as null, which the schema never allows. Anchors, aliases, tags, %TAG directives, duplicate keys,
merge keys, NUL or a byte order mark in strings and multi-document streams are load errors.

Prints one line per failure, a summary, and finally `N passed, M failed`; exits 1 on failure.
"""

import json
import pathlib
import re
import sys

import yaml
from jsonschema import Draft202012Validator

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "schema" / "nsspec.schema.json"
SCHEMA_LINE = "# yaml-language-server: $schema=../schema/nsspec.schema.json"
STRUCTURAL_RULES = {"unknown-key", "wrong-type", "missing-field"}
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f": {detail}" if detail else ""))
        return ok


# ---------------------------------------------------------------------------------------------
# Loading YAML with nsspec's scalar rules

class SpecLoadError(Exception):
    pass


class Untyped:
    """A plain scalar that is neither a string, a boolean nor an integer to nsspec."""

    def __init__(self, text, why):
        self.text, self.why = text, why

    def __repr__(self):
        return f"{self.text} ({self.why})"

    def __eq__(self, other):
        return False

    __hash__ = object.__hash__


NULLS = {"", "~", "null", "Null", "NULL"}
YAML11_BOOLS = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "True", "TRUE",
                "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"}
CANONICAL_INT = re.compile(r"(?:0|[1-9][0-9]*)\Z")
NUMBER_LIKE = re.compile(r"""[-+]?(?:
      (?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][-+]?[0-9]+)?    # 01 +1 1.0 1e3 .5
    | 0[xX][0-9a-fA-F_]+ | 0[oO][0-7_]+ | 0b[01_]+        # 0x1 0o7 0b1
    | [0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?         # 1:30 (YAML 1.1 base 60)
    | \.(?:inf|Inf|INF) ) \Z | \.(?:nan|NaN|NAN)\Z""", re.VERBOSE)


def plain_scalar(text):
    if text in NULLS:
        return None
    if text == "true":
        return True
    if text == "false":
        return False
    if CANONICAL_INT.match(text):
        return int(text)
    if text in YAML11_BOOLS:
        return Untyped(text, "a YAML 1.1 boolean; use true or false, or quote it")
    if any(c.isdigit() for c in text) and NUMBER_LIKE.match(text):
        return Untyped(text, "not a plain decimal integer; quote it if it is a string")
    return text


def load_spec(text):
    """The spec document as JSON-like values, or SpecLoadError."""
    if "\ufeff" in text[1:]:  # only the first character may be one; libyaml skips some others
        raise SpecLoadError("a byte order mark after the start of the file")
    try:
        events = list(yaml.parse(text, Loader=Loader))
        documents = sum(isinstance(e, yaml.DocumentStartEvent) for e in events)
        if documents > 1:
            raise SpecLoadError("more than one YAML document")
        for e in events:
            if isinstance(e, yaml.DocumentStartEvent) and e.tags:
                raise SpecLoadError(f"%TAG directive before line {e.start_mark.line + 1}")
            if isinstance(e, yaml.AliasEvent):
                raise SpecLoadError(f"alias *{e.anchor} at line {e.start_mark.line + 1}")
            if getattr(e, "anchor", None) is not None:
                raise SpecLoadError(f"anchor &{e.anchor} at line {e.start_mark.line + 1}")
            if getattr(e, "tag", None) is not None:
                raise SpecLoadError(f"tag {e.tag} at line {e.start_mark.line + 1}")
        node = yaml.compose(text, Loader=Loader)
    except yaml.YAMLError as error:
        raise SpecLoadError(f"YAML syntax: {error}".replace("\n", " ")) from None
    return None if node is None else from_node(node)


def from_node(node):
    if isinstance(node, yaml.ScalarNode):
        if "\0" in node.value:
            raise SpecLoadError(f"NUL in a string at line {node.start_mark.line + 1}")
        if "\ufeff" in node.value:
            raise SpecLoadError(f"a byte order mark in a string at line {node.start_mark.line + 1}")
        return node.value if node.style else plain_scalar(node.value)  # plain: None or ""
    if isinstance(node, yaml.SequenceNode):
        return [from_node(item) for item in node.value]
    result = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise SpecLoadError(f"a key that is not a scalar at line {key_node.start_mark.line + 1}")
        key = key_node.value
        if key == "<<" and not key_node.style:
            raise SpecLoadError(f"merge key << at line {key_node.start_mark.line + 1}")
        if key in result:
            raise SpecLoadError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        result[key] = from_node(value_node)
    return result


def errors_of(validator, text):
    """([error lines], loaded) for one YAML text; no errors means the schema accepts it."""
    try:
        instance = load_spec(text)
    except SpecLoadError as error:
        return [("load", str(error))], None
    errors = sorted(validator.iter_errors(instance), key=lambda e: (e.json_path, e.message))
    return [(e.json_path, e.message) for e in errors], instance


def describe(errors, limit=5):
    return "; ".join(f"{path}: {message}" for path, message in errors[:limit])


def lands_at(errors, where):
    """Whether one of the errors is at `where` (or below it), with the text after `::`."""
    path, _, text = (part.strip() for part in where.partition("::"))
    for error_path, message in errors:
        below = error_path == path or (path != "$" and error_path.startswith((path + ".", path + "[")))
        if below and text in message:
            return True
    return False


# ---------------------------------------------------------------------------------------------
# The schema itself

CONDITION_KEYWORDS = {"if", "not", "contains", "propertyNames"}  # conditions, not declarations


def walk(node, path="#"):
    """(path, schema) of every schema object outside conditions."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key in CONDITION_KEYWORDS or key in ("enum", "const", "default", "examples"):
                continue
            if key in ("properties", "$defs", "patternProperties", "dependentSchemas"):
                if isinstance(value, dict):
                    for name, sub in value.items():
                        yield from walk(sub, f"{path}/{key}/{name}")
            else:
                yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from walk(item, f"{path}/{i}")


def check_schema_shape(report, schema):
    missing, multiline, open_objects = [], [], []
    for path, node in walk(schema):
        for name, prop in (node.get("properties") or {}).items():
            description = prop.get("description") if isinstance(prop, dict) else None
            if not isinstance(description, str) or not description.strip():
                missing.append(f"{path}/properties/{name}")
            elif "\n" in description:
                multiline.append(f"{path}/properties/{name}")
        if node.get("type") == "object" and "additionalProperties" not in node \
                and node.get("unevaluatedProperties") is not False:
            open_objects.append(path)
    report.check(not missing, "every property has a description", ", ".join(missing))
    report.check(not multiline, "every description is one line", ", ".join(multiline))
    report.check(not open_objects, "every object schema rejects unknown keys "
                 "(additionalProperties or unevaluatedProperties)", ", ".join(open_objects))


def resolve(schema, dotted):
    """The property schema at a dotted path: `process.rlimits`, `network.veth[].mtu`,
    `mounts[].@tmpfs.mode` (@T: the if/then branch for mount type T), `root.readonly`."""
    def deref(node):
        while isinstance(node, dict) and "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
        return node

    def find_property(node, name):
        node = deref(node)
        if name in (node.get("properties") or {}):
            return node["properties"][name]
        for key in ("anyOf", "oneOf", "allOf"):
            for alternative in node.get(key, []):
                found = find_property(alternative, name)
                if found is not None:
                    return found
        return None

    node = schema
    for segment in dotted.split("."):
        items = segment.endswith("[]")
        name = segment[:-2] if items else segment
        if name.startswith("@"):
            branches = [b["then"] for b in deref(node).get("allOf", [])
                        if b.get("if", {}).get("properties", {}).get("type", {}).get("const") == name[1:]]
            node = branches[0] if branches else None
        else:
            node = find_property(node, name)
        if node is None:
            return None
        if items:
            node = deref(node)
            node = node.get("items") if "items" in node else None
            if node is None:
                return None
    return node


# Defaults that docs/spec-v1.md gives, by property path.
DOC_DEFAULTS = [
    ("namespaces", []), ("setgroups", "deny"), ("root", "host"), ("readonlyRoot", False),
    ("mounts", []), ("uidMap", [{"inside": 0, "outside": "self", "count": 1}]),
    ("gidMap", [{"inside": 0, "outside": "self", "count": 1}]), ("root.readonly", False),
    ("mounts[].optional", False), ("mounts[].recursive", True), ("mounts[].propagation", "rprivate"),
    ("mounts[].noexec", False), ("mounts[].content", ""),
    ("mounts[].@bind.readonly", False), ("mounts[].@bind.optional", False),
    ("mounts[].@bind.recursive", True), ("mounts[].@bind.nosuid", False),
    ("mounts[].@bind.nodev", False), ("mounts[].@bind.noexec", False),
    ("mounts[].@bind.propagation", "rprivate"),
    ("mounts[].@tmpfs.mode", "1777"), ("mounts[].@tmpfs.readonly", False),
    ("mounts[].@tmpfs.nosuid", True), ("mounts[].@tmpfs.nodev", True),
    ("mounts[].@tmpfs.noexec", False), ("mounts[].@tmpfs.size", "50%"),
    ("mounts[].@proc.target", "/proc"), ("mounts[].@sysfs.target", "/sys"),
    ("mounts[].@sysfs.readonly", True), ("mounts[].@dev.target", "/dev"),
    ("mounts[].@devpts.target", "/dev/pts"), ("mounts[].@mqueue.target", "/dev/mqueue"),
    ("mounts[].@dir.mode", "0755"), ("mounts[].@file.mode", "0644"), ("mounts[].@file.content", ""),
    ("network.loopback", True), ("network.veth", []), ("network.veth[].address", []),
    ("network.veth[].routes", []), ("network.veth[].mtu", 1500),
    ("network.userMode.ports", []), ("network.userMode.outbound", True), ("network.userMode.hostLoopback", False),
    ("network.userMode.ports[].protocol", "tcp"),
    # process.cwd, uid and gid have no one default: it depends on the root and the maps (docs).
    ("process.env", {}), ("process.passEnv", []), ("process.groups", []), ("process.capabilities", []),
    ("process.noNewPrivileges", True), ("process.rlimits", {}), ("process.init", True),
    ("process.dieWithParent", True), ("process.seccomp", "default"), ("process.seccomp.profile", "default"),
    ("process.seccomp.allow", []), ("process.seccomp.deny", []), ("process.nestedNamespaces", False),
    ("process.terminal", "auto"),
]


def check_defaults(report, schema, validator):
    wrong = []
    for dotted, expected in DOC_DEFAULTS:
        prop = resolve(schema, dotted)
        if prop is None:
            wrong.append(f"{dotted}: no such property")
        elif "default" not in prop:
            wrong.append(f"{dotted}: no default (docs: {json.dumps(expected)})")
        elif prop["default"] != expected or type(prop["default"]) is not type(expected):
            wrong.append(f"{dotted}: default {json.dumps(prop['default'])}, docs {json.dumps(expected)}")
    report.check(not wrong, f"defaults given by docs/spec-v1.md ({len(DOC_DEFAULTS)})", "; ".join(wrong))
    # Every default anywhere must itself be valid where it stands: check the top-level ones.
    for name, prop in schema["properties"].items():
        if "default" in prop:
            errors = [(e.json_path, e.message) for e in validator.iter_errors({"version": 1, name: prop["default"]})]
            report.check(not errors, f"default of {name} is valid", describe(errors))


# ---------------------------------------------------------------------------------------------
# Example specs and fixtures

def check_examples(report, validator):
    files = sorted((ROOT / "specs").glob("*.yaml"))
    report.check(len(files) >= 7, "specs/ holds at least seven examples", f"found {len(files)}")
    bench = ROOT / "bench"
    if bench.is_dir():
        files += sorted(bench.glob("*.yaml"))
    for path in files:
        rel = path.relative_to(ROOT)
        text = path.read_text(encoding="utf-8")
        if rel.parts[0] == "specs":
            first = text.split("\n", 1)[0]
            report.check(first == SCHEMA_LINE, f"{rel} starts with the schema line", repr(first))
        errors, _ = errors_of(validator, text)
        report.check(not errors, f"{rel} is valid", describe(errors))
    return len(files)


INIT_TEMPLATES = ["minimal", "ci", "rootfs", "network"]


def check_init_templates(report, validator):
    """What `nsspec init --template X` writes is valid under the schema too (NSSPEC: the binary)."""
    import os
    import subprocess
    nsspec = os.environ.get("NSSPEC", str(ROOT / ".build" / "debug" / "nsspec"))
    if not os.access(nsspec, os.X_OK):
        report.check(False, "nsspec init templates", f"no nsspec binary at {nsspec} (build it, or set NSSPEC)")
        return
    for template in INIT_TEMPLATES:
        proc = subprocess.run([nsspec, "init", "--template", template, "-"], capture_output=True, text=True, cwd=ROOT)
        report.check(proc.returncode == 0, f"nsspec init --template {template} prints a spec", proc.stderr)
        first = proc.stdout.split("\n", 1)[0]
        report.check(first.startswith("# yaml-language-server: $schema="),
                     f"nsspec init --template {template} starts with the schema line", repr(first))
        errors, _ = errors_of(validator, proc.stdout)
        report.check(not errors, f"nsspec init --template {template} is valid", describe(errors))


DIAGNOSTIC = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): "
                        r"(?P<message>.*) \[(?P<rule>[A-Za-z0-9_.-]+)\]\s*$")


def expected_rules(text):
    """Rule ids of the error lines of one golden `nsspec validate` output."""
    rules = []
    for line in text.splitlines():
        if not line or line[0].isspace():
            continue          # the quoted source line, its caret, `= hint:` lines
        m = DIAGNOSTIC.match(line)
        if m and m["severity"] == "error":
            rules.append(m["rule"])
    return rules


def check_fixtures(report, validator):
    folder = ROOT / "Tests" / "Fixtures" / "invalid"
    checked = skipped = 0
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        golden = next((g for g in (path.with_suffix(".expected"), path.with_name(path.name + ".expected"))
                       if g.is_file()), None)
        if golden is None:
            skipped += 1
            continue
        rules = expected_rules(golden.read_text(encoding="utf-8"))
        if not rules or not set(rules) <= STRUCTURAL_RULES:
            skipped += 1
            continue
        checked += 1
        errors, _ = errors_of(validator, path.read_text(encoding="utf-8", errors="replace"))
        rel = path.relative_to(ROOT)
        report.check(bool(errors), f"schema rejects {rel}",
                     f"wrongly accepted; nsspec reports [{', '.join(sorted(set(rules)))}]")
    print(f"fixtures: {checked} checked against the schema, {skipped} skipped "
          f"(no .expected, or rules other than {', '.join(sorted(STRUCTURAL_RULES))})")


# ---------------------------------------------------------------------------------------------
# Inline cases

V = "version: 1\n"
# (what, YAML, where): `where` is the JSON path that must carry an error (it or a path below
# it), optionally `:: text` the message must contain; `load` means the loader refuses it.
NEGATIVE = [
    # unknown keys
    ("unknown key at top level", V + "hostnme: box\n", "$ :: hostnme"),
    ("unknown key in a mount", V + "mounts: [{type: tmpfs, target: /tmp, sise: 64Mi}]\n", "$.mounts[0] :: sise"),
    ("unknown key in a veth", V + "network: {veth: [{name: eth0, adress: 10.0.0.2/24}]}\n", "$.network.veth[0] :: adress"),
    ("unknown key in process", V + "process: {args: [/bin/true], environment: {A: b}}\n", "$.process :: environment"),
    ("unknown key in network", V + "network: {lo: true}\n", "$.network :: lo"),
    ("unknown key in an id-map entry", V + "uidMap: [{inside: 0, outside: self, count: 1, length: 1}]\n", "$.uidMap[0] :: length"),
    ("unknown key in root", V + "root: {path: ./rootfs, ro: true}\n", "$.root"),
    ("unknown key in a route", V + "network: {veth: [{name: eth0, routes: [{to: 10.0.0.0/8, gw: 10.0.0.1}]}]}\n", "$.network.veth[0].routes[0] :: gw"),
    ("unknown key in veth host", V + "network: {veth: [{name: eth0, host: {name: h0, mtu: 1500}}]}\n", "$.network.veth[0].host :: mtu"),
    ("unknown key in a namespace join", V + "namespaces: [{type: net, path: /run/netns/x, flags: 1}]\n", "$.namespaces[0]"),
    ("unknown rlimit name", V + "process: {rlimits: {nofiles: 1024}}\n", "$.process.rlimits :: nofiles"),
    ("unknown key in {soft, hard}", V + "process: {rlimits: {stack: {soft: 1, hard: 2, max: 3}}}\n", "$.process.rlimits.stack"),
    ("size on a bind mount", V + "mounts: [{type: bind, source: /usr, target: /usr, size: 1Mi}]\n", "$.mounts[0] :: 'size' was unexpected"),
    ("source on a tmpfs", V + "mounts: [{type: tmpfs, source: /x, target: /tmp}]\n", "$.mounts[0] :: 'source' was unexpected"),
    ("readonly on proc", V + "mounts: [{type: proc, readonly: true}]\n", "$.mounts[0] :: 'readonly' was unexpected"),
    ("content on a dir", V + "mounts: [{type: dir, target: /d, content: x}]\n", "$.mounts[0] :: 'content' was unexpected"),
    ("mode on a symlink", V + "mounts: [{type: symlink, target: /bin, link: usr/bin, mode: \"0777\"}]\n", "$.mounts[0] :: 'mode' was unexpected"),
    ("propagation on sysfs", V + "mounts: [{type: sysfs, propagation: private}]\n", "$.mounts[0] :: 'propagation' was unexpected"),
    # wrong types
    ("hostname as a list", V + "hostname: [a, b]\n", "$.hostname"),
    ("hostname null", V + "hostname:\n", "$.hostname"),
    ("mounts as a mapping", V + "mounts: {type: tmpfs, target: /tmp}\n", "$.mounts"),
    ("readonly as a string", V + "readonlyRoot: \"true\"\n", "$.readonlyRoot"),
    ("readonly as yes", V + "mounts: [{type: bind, source: /usr, target: /usr, readonly: yes}]\n", "$.mounts[0].readonly"),
    ("boolean True", V + "process: {init: True}\n", "$.process.init"),
    ("uid as a string", V + "process: {uid: \"1000\"}\n", "$.process.uid"),
    ("uid with a leading zero", V + "process: {uid: 01}\n", "$.process.uid"),
    ("uid as a float", V + "process: {uid: 1.0}\n", "$.process.uid"),
    ("uid negative", V + "process: {uid: -1}\n", "$.process.uid"),
    ("uid out of range", V + "process: {uid: 4294967295}\n", "$.process.uid"),
    ("count as a string", V + "uidMap: [{inside: 0, outside: 0, count: \"1\"}]\n", "$.uidMap[0].count"),
    ("count zero", V + "uidMap: [{inside: 0, outside: 0, count: 0}]\n", "$.uidMap[0].count"),
    ("outside neither id nor keyword", V + "uidMap: [{inside: 0, outside: me, count: 1}]\n", "$.uidMap[0].outside"),
    ("self with count 2", V + "uidMap: [{inside: 0, outside: self, count: 2}]\n", "$.uidMap[0].count"),
    ("two self entries", V + "uidMap: [{inside: 0, outside: self, count: 1}, {inside: 1, outside: self, count: 1}]\n", "$.uidMap"),
    ("version as a string", "version: \"1\"\n", "$.version"),
    ("version 2", "version: 2\n", "$.version"),
    ("unquoted mode 0755", V + "mounts: [{type: dir, target: /d, mode: 0755}]\n", "$.mounts[0].mode"),
    ("unquoted mode 755", V + "mounts: [{type: dir, target: /d, mode: 755}]\n", "$.mounts[0].mode"),
    ("mode with an 8", V + "mounts: [{type: dir, target: /d, mode: \"0785\"}]\n", "$.mounts[0].mode"),
    ("mode with five digits", V + "mounts: [{type: dir, target: /d, mode: \"07777\"}]\n", "$.mounts[0].mode"),
    ("size with a bad suffix", V + "mounts: [{type: tmpfs, target: /tmp, size: 64MB}]\n", "$.mounts[0].size"),
    ("percentage over 100", V + "mounts: [{type: tmpfs, target: /tmp, size: \"150%\"}]\n", "$.mounts[0].size"),
    ("unknown namespace type", V + "namespaces: [usr]\n", "$.namespaces[0]"),
    ("namespace twice", V + "namespaces: [net, {type: net, path: /run/netns/x}]\n", "$.namespaces"),
    ("relative namespace path", V + "namespaces: [{type: net, path: run/netns/x}]\n", "$.namespaces[0]"),
    ("setgroups as a boolean", V + "setgroups: false\n", "$.setgroups"),
    ("root unknown keyword", V + "root: overlay\n", "$.root"),
    ("propagation unknown", V + "mounts: [{type: bind, source: /a, target: /a, propagation: recursive}]\n", "$.mounts[0].propagation"),
    ("relative mount target", V + "mounts: [{type: tmpfs, target: tmp}]\n", "$.mounts[0].target"),
    ("mount target /", V + "mounts: [{type: tmpfs, target: /}]\n", "$.mounts[0].target"),
    ("unnormalised target", V + "mounts: [{type: tmpfs, target: /a/../b}]\n", "$.mounts[0].target"),
    ("tmpfs under /proc", V + "mounts: [{type: tmpfs, target: /proc/sys}]\n", "$.mounts[0].target"),
    ("capability without CAP_", V + "process: {capabilities: [NET_ADMIN]}\n", "$.process.capabilities[0]"),
    ("unknown capability", V + "process: {capabilities: [CAP_EVERYTHING]}\n", "$.process.capabilities[0]"),
    ("env value a list", V + "process: {env: {PATH: [/bin]}}\n", "$.process.env.PATH"),
    ("env name with a dash", V + "process: {env: {MY-VAR: x}}\n", "$.process.env :: MY-VAR"),
    ("args empty", V + "process: {args: []}\n", "$.process.args"),
    ("args a string", V + "process: {args: /bin/true}\n", "$.process.args"),
    ("cwd relative", V + "process: {cwd: work}\n", "$.process.cwd"),
    ("rlimit count as a size", V + "process: {rlimits: {nofile: 1Ki}}\n", "$.process.rlimits.nofile"),
    ("rlimit soft without hard", V + "process: {rlimits: {stack: {soft: 8Mi}}}\n", "$.process.rlimits.stack"),
    ("mtu too small", V + "network: {veth: [{name: eth0, mtu: 50}]}\n", "$.network.veth[0].mtu"),
    ("interface name too long", V + "network: {veth: [{name: a-very-long-name0}]}\n", "$.network.veth[0].name"),
    ("interface name lo", V + "network: {veth: [{name: lo}]}\n", "$.network.veth[0].name"),
    ("address without prefix", V + "network: {veth: [{name: eth0, address: 10.0.0.2}]}\n", "$.network.veth[0].address"),
    ("bad IPv4 octet", V + "network: {veth: [{name: eth0, address: 10.0.0.256/24}]}\n", "$.network.veth[0].address"),
    ("gateway with prefix", V + "network: {veth: [{name: eth0, gateway: 10.0.0.1/24}]}\n", "$.network.veth[0].gateway"),
    ("multicast mac", V + "network: {veth: [{name: eth0, mac: \"01:00:5e:00:00:01\"}]}\n", "$.network.veth[0].mac"),
    ("loopback as on", V + "network: {loopback: on}\n", "$.network.loopback"),
    ("userMode a word", V + "network: {userMode: pasta}\n", "$.network.userMode"),
    ("userMode a list", V + "network: {userMode: [8080]}\n", "$.network.userMode"),
    ("userMode as yes", V + "network: {userMode: yes}\n", "$.network.userMode"),
    ("userMode quoted", V + "network: {userMode: \"true\"}\n", "$.network.userMode"),
    ("unknown key in userMode", V + "network: {userMode: {outbond: true}}\n", "$.network.userMode :: outbond"),
    ("userMode publish", V + "network: {userMode: {publish: [{host: 80}]}}\n", "$.network.userMode :: publish"),
    ("ports a mapping", V + "network: {userMode: {ports: {host: 80}}}\n", "$.network.userMode.ports"),
    ("a port a number", V + "network: {userMode: {ports: [8080]}}\n", "$.network.userMode.ports[0]"),
    ("a port in Docker's form", V + "network: {userMode: {ports: [\"8080:80\"]}}\n", "$.network.userMode.ports[0]"),
    ("host port 0", V + "network: {userMode: {ports: [{host: 0}]}}\n", "$.network.userMode.ports[0].host"),
    ("host port 65536", V + "network: {userMode: {ports: [{host: 65536}]}}\n", "$.network.userMode.ports[0].host"),
    ("host port quoted", V + "network: {userMode: {ports: [{host: \"80\"}]}}\n", "$.network.userMode.ports[0].host"),
    ("inside port 70000", V + "network: {userMode: {ports: [{host: 80, inside: 70000}]}}\n", "$.network.userMode.ports[0].inside"),
    ("protocol sctp", V + "network: {userMode: {ports: [{host: 80, protocol: sctp}]}}\n", "$.network.userMode.ports[0].protocol"),
    ("protocol TCP", V + "network: {userMode: {ports: [{host: 80, protocol: TCP}]}}\n", "$.network.userMode.ports[0].protocol"),
    ("unknown key in a port", V + "network: {userMode: {ports: [{host: 80, proto: udp}]}}\n", "$.network.userMode.ports[0] :: proto"),
    ("hostAddress with prefix", V + "network: {userMode: {ports: [{host: 80, hostAddress: 127.0.0.1/8}]}}\n",
     "$.network.userMode.ports[0].hostAddress"),
    ("outbound as on", V + "network: {userMode: {outbound: on}}\n", "$.network.userMode.outbound"),
    ("dns a string", V + "network: {userMode: {dns: \"false\"}}\n", "$.network.userMode.dns"),
    ("seccomp profile misspelt", V + "process: {seccomp: defualt}\n", "$.process.seccomp"),
    ("seccomp as a list", V + "process: {seccomp: [default]}\n", "$.process.seccomp"),
    ("seccomp as a boolean", V + "process: {seccomp: false}\n", "$.process.seccomp"),
    ("seccomp null", V + "process: {seccomp: }\n", "$.process.seccomp"),
    ("unknown key in seccomp", V + "process: {seccomp: {profile: default, alow: [ptrace]}}\n", "$.process.seccomp"),
    ("seccomp profile unknown", V + "process: {seccomp: {profile: strict}}\n", "$.process.seccomp"),
    ("seccomp allow a single name", V + "process: {seccomp: {allow: ptrace}}\n", "$.process.seccomp"),
    ("seccomp deny item a number", V + "process: {seccomp: {deny: [165]}}\n", "$.process.seccomp"),
    ("seccomp deny item upper case", V + "process: {seccomp: {deny: [PTRACE]}}\n", "$.process.seccomp"),
    ("nestedNamespaces as yes", V + "process: {nestedNamespaces: yes}\n", "$.process.nestedNamespaces"),
    ("nestedNamespaces quoted", V + "process: {nestedNamespaces: \"true\"}\n", "$.process.nestedNamespaces"),
    ("terminal unknown word", V + "process: {terminal: maybe}\n", "$.process.terminal"),
    ("terminal as yes", V + "process: {terminal: yes}\n", "$.process.terminal"),
    ("terminal a number", V + "process: {terminal: 1}\n", "$.process.terminal"),
    # missing fields
    ("missing version", "hostname: box\n", "$ :: 'version' is a required property"),
    ("empty document", "# nothing\n", "$ :: None is not of type 'object'"),
    ("top level a list", "- version: 1\n", "$ :: is not of type 'object'"),
    ("mount without type", V + "mounts: [{target: /tmp}]\n", "$.mounts[0] :: 'type' is a required property"),
    ("bind without source", V + "mounts: [{type: bind, target: /usr}]\n", "$.mounts[0] :: 'source' is a required property"),
    ("bind without target", V + "mounts: [{type: bind, source: /usr}]\n", "$.mounts[0] :: 'target' is a required property"),
    ("tmpfs without target", V + "mounts: [{type: tmpfs}]\n", "$.mounts[0] :: 'target' is a required property"),
    ("symlink without link", V + "mounts: [{type: symlink, target: /bin}]\n", "$.mounts[0] :: 'link' is a required property"),
    ("file without target", V + "mounts: [{type: file, content: x}]\n", "$.mounts[0] :: 'target' is a required property"),
    ("id-map entry without count", V + "uidMap: [{inside: 0, outside: self}]\n", "$.uidMap[0] :: 'count' is a required property"),
    ("id-map entry without inside", V + "gidMap: [{outside: self, count: 1}]\n", "$.gidMap[0] :: 'inside' is a required property"),
    ("veth without name", V + "network: {veth: [{address: 10.0.0.2/24}]}\n", "$.network.veth[0] :: 'name' is a required property"),
    ("route without to", V + "network: {veth: [{name: eth0, routes: [{via: 10.0.0.1}]}]}\n", "$.network.veth[0].routes[0] :: 'to' is a required property"),
    ("veth host without name", V + "network: {veth: [{name: eth0, host: {address: 10.0.0.1/24}}]}\n", "$.network.veth[0].host :: 'name' is a required property"),
    ("published port without host", V + "network: {userMode: {ports: [{inside: 80}]}}\n",
     "$.network.userMode.ports[0] :: 'host' is a required property"),
    ("root mapping without path", V + "root: {readonly: true}\n", "$.root"),
    ("namespace mapping without type", V + "namespaces: [{path: /run/netns/x}]\n", "$.namespaces[0]"),
    # what the loader refuses before the schema sees it
    ("duplicate key", V + "hostname: a\nhostname: b\n", "load"),
    ("alias", V + "hostname: &h box\ndomainname: *h\n", "load"),
    ("%TAG directive", "%TAG ! tag:example.com,2000:\n---\n" + V, "load"),
    ("byte order mark in a value", V + "hostname: \"box\\uFEFF\"\n", "load"),
    ("byte order mark at the start of a line", V + "process: {\n\ufeffargs: [/bin/true]}\n", "load"),
]

POSITIVE = [
    ("only the version", "version: 1\n"),
    ("a byte order mark at the very start", "\ufeff" + V),
    ("a %YAML 1.2 directive", "%YAML 1.2\n---\n" + V),
    ("plain numbers where strings are expected", V + "name: 2024\nprocess: {args: [sleep, 10], env: {DEBUG: 1}}\n"),
    ("joins and every namespace type", V + "namespaces: [user, mount, uts, ipc, pid, cgroup, time, "
     "{type: net, path: /proc/1234/ns/net}]\nhostname: box\ndomainname: example.internal\n"),
    ("root directory, sysfs, devpts, mqueue with defaults", V + """\
namespaces: [user, mount, pid, ipc, net]
root: {path: ./rootfs, readonly: true}
mounts:
  - {type: sysfs}
  - {type: devpts}
  - {type: mqueue}
  - {type: proc, target: /proc}
  - {type: tmpfs, target: /run, size: "25%"}
  - {type: tmpfs, target: /tmp, size: 0, mode: "1777", readonly: false, nosuid: true, nodev: true, noexec: true}
"""),
    ("a bind with every key", V + """\
mounts:
  - {type: bind, source: ./cache, target: /cache, readonly: false, optional: true, recursive: false,
     nosuid: true, nodev: true, noexec: true, propagation: rslave}
  - {type: file, target: /etc/motd, content: "hi\\n", mode: "644"}
  - {type: dir, target: /srv, mode: "0750"}
  - {type: symlink, target: /bin, link: /usr/bin}
"""),
    ("rlimits in every form", V + """\
process:
  rlimits: {as: 4Gi, core: 0, cpu: unlimited, data: "1073741824", fsize: 1G, locks: 64,
            memlock: 64Ki, msgqueue: 819200, nice: 0, nofile: {soft: 1024, hard: 4096},
            nproc: 512, rss: unlimited, rtprio: 0, rttime: unlimited, sigpending: 1024,
            stack: {soft: 8Mi, hard: unlimited}}
"""),
    ("network with single address and IPv6", V + """\
namespaces: [net]
network:
  loopback: false
  veth:
    - {name: eth0, address: 10.0.0.2/24, gateway: 10.0.0.1, routes: [{to: 192.168.0.0/16}]}
    - name: eth1
      address: ["fd00::2/64", "2001:db8::10/128", "::ffff:10.0.0.3/120"]
      gateway: "fd00::1"
      mtu: 1280
      mac: "0a:1B:2c:3D:4e:5F"
      host: {name: host1, address: "fd00::1/64"}
"""),
    ("a full process", V + """\
uidMap: [{inside: 0, outside: 1000, count: 1}, {inside: 1, outside: subordinate, count: 65536}]
gidMap: [{inside: 0, outside: self, count: 1}]
setgroups: allow
readonlyRoot: true
process:
  args: [/usr/bin/env]
  cwd: /
  env: {PATH: /usr/bin, _X1: ""}
  passEnv: [TERM, LANG]
  uid: 4294967294
  gid: 0
  groups: [0, 27]
  capabilities: [CAP_CHOWN, CAP_CHECKPOINT_RESTORE]
  noNewPrivileges: false
  init: false
  dieWithParent: false
"""),
    ("userMode true", V + "namespaces: [mount, net]\nnetwork: {userMode: true}\n"),
    ("userMode false", V + "namespaces: [net]\nnetwork: {userMode: false}\n"),
    ("userMode empty mapping", V + "namespaces: [mount, net]\nnetwork: {userMode: {}}\n"),
    ("userMode with every key", V + """\
namespaces: [user, mount, net]
network:
  userMode:
    ports:
      - {host: 8080, inside: 80}
      - {host: 5353, inside: 53, protocol: udp, hostAddress: 127.0.0.1}
      - {host: 65535, protocol: tcp, hostAddress: "::1"}
    outbound: false
    hostLoopback: true
    dns: false
"""),
    ("seccomp as a word", V + "process: {seccomp: default, nestedNamespaces: true}\n"),
    ("terminal auto", V + "process: {terminal: auto}\n"),
    ("terminal true", V + "process: {terminal: true}\n"),
    ("terminal false", V + "process: {terminal: false}\n"),
    ("seccomp unconfined", V + "process: {seccomp: unconfined, nestedNamespaces: false}\n"),
    ("seccomp as a mapping", V + """\
process:
  seccomp:
    profile: default
    allow: [ptrace, perf_event_open, _sysctl]
    deny: [io_uring_setup, keyctl]
  nestedNamespaces: true
"""),
    ("seccomp mapping without a profile", V + "process: {seccomp: {deny: [mount]}}\n"),
    ("seccomp as a deny-list", V + "process: {seccomp: {profile: unconfined, deny: [mount, umount2]}}\n"),
    ("seccomp empty mapping", V + "process: {seccomp: {}}\n"),
]


def check_inline(report, validator):
    report.check(len(NEGATIVE) >= 15 and len(POSITIVE) >= 5, "inline table is large enough",
                 f"{len(NEGATIVE)} negative, {len(POSITIVE)} positive")
    for name, text, where in NEGATIVE:
        errors, _ = errors_of(validator, text)
        if not errors:
            report.check(False, f"schema rejects: {name}", "wrongly accepted")
        else:
            report.check(lands_at(errors, where), f"schema rejects: {name}",
                         f"rejected, but not at {where}: {describe(errors)}")
    for name, text in POSITIVE:
        errors, _ = errors_of(validator, text)
        report.check(not errors, f"schema accepts: {name}", describe(errors))


def main():
    report = Report()
    try:
        schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        report.check(False, f"read {SCHEMA_PATH.relative_to(ROOT)}", str(error))
        print(f"{report.passed} passed, {report.failed} failed")
        return 1
    try:
        Draft202012Validator.check_schema(schema)
        report.check(True, "metaschema")
    except Exception as error:  # jsonschema.SchemaError, or a regex that does not compile
        report.check(False, "schema is valid under the draft 2020-12 metaschema", str(error).split("\n")[0])
        print(f"{report.passed} passed, {report.failed} failed")
        return 1
    report.check(schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema",
                 "$schema is draft 2020-12", repr(schema.get("$schema")))
    report.check(isinstance(schema.get("$id"), str) and schema["$id"].startswith("https://"),
                 "$id is set", repr(schema.get("$id")))
    validator = Draft202012Validator(schema)
    check_schema_shape(report, schema)
    check_defaults(report, schema, validator)
    examples = check_examples(report, validator)
    check_init_templates(report, validator)
    check_fixtures(report, validator)
    check_inline(report, validator)
    print(f"examples: {examples} files; inline: {len(NEGATIVE)} negative, {len(POSITIVE)} positive cases")
    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
