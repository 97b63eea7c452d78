#!/usr/bin/env python3
"""Differential test: nsspec validator vs schema/nsspec.schema.json on mutated example specs.

Usage:  python3 Tests/schema/differential.py [--n 6000] [--seed 1] [--nsspec PATH] [--out DIR]

Run by `make test` (with a smaller --n) after `swift build`; exits 1 when it finds an A or B
disagreement, and prints one minimal example of each.

Classes (per mutant):
  A        nsspec: no error;                     schema: rejects   -> disagreement
  A-loader like A, but every schema error is on a value the strict loader of
           Tests/schema/check_schema.py maps to Untyped (a plain non-canonical number like 1.0, 01,
           1:30 where nsspec takes a string "as written") -> known, documented loader limitation
  B        nsspec: only structural errors;        schema: accepts  -> disagreement (schema too lax)
  B-mixed  nsspec: structural + semantic errors;  schema: accepts  -> disagreement on the structural part
  C        nsspec: only semantic errors;          schema: accepts  -> expected
  agree-reject / agree-accept
"""

import argparse
import collections
import copy
import importlib.util
import json
import os
import pathlib
import random
import re
import subprocess
import sys
import time

import yaml
from jsonschema import Draft202012Validator

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "schema" / "nsspec.schema.json"

# Reuse the strict loader of the schema check (import only; nothing there runs at import time).
_spec = importlib.util.spec_from_file_location("check_schema", ROOT / "Tests" / "schema" / "check_schema.py")
cs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cs)

STRUCTURAL = {"unknown-key", "wrong-type", "missing-field", "unknown-value", "ambiguous-boolean",
              "ambiguous-number", "ambiguous-mode", "invalid-mode", "invalid-size", "out-of-range",
              "unknown-rlimit", "unsupported-version", "invalid-mac"}


# ---------------------------------------------------------------------------------------------
# Value model: dict / list / str / int / bool / None, plus
class Raw(str):
    """A plain scalar written exactly as is (yes, 01, 0755, 1.0 ...)."""


class Q(str):
    """A string that is always written double-quoted ("unlimited", "true")."""


def from_node(node):
    if isinstance(node, yaml.ScalarNode):
        if node.style:
            return str(node.value)
        v = cs.plain_scalar(node.value)
        if isinstance(v, cs.Untyped):
            return Raw(node.value)
        return v
    if isinstance(node, yaml.SequenceNode):
        return [from_node(n) for n in node.value]
    return {k.value: from_node(v) for k, v in node.value}


def load_seed(path):
    return from_node(yaml.compose(path.read_text(encoding="utf-8"), Loader=cs.Loader))


# ---------------------------------------------------------------------------------------------
# Emitter: block style; strings quoted only when a plain scalar would not read back as the same
# string (to nsspec and to the strict loader) or is not valid YAML.
NSSPEC_NON_STRING = {"yes", "no", "on", "off", "y", "n"}
_plain_cache = {}
SAFE_PLAIN = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./@%+=,:()-]*\Z")


def plain_ok(s):
    if s in _plain_cache:
        return _plain_cache[s]
    ok = bool(SAFE_PLAIN.match(s)) and s.lower() not in NSSPEC_NON_STRING
    if ok:
        v = cs.plain_scalar(s)
        ok = isinstance(v, str) and v == s and not isinstance(v, cs.Untyped)
    if ok:  # nsspec's own number reading: anything number-like with a digit gets quoted
        if any(c.isdigit() for c in s) and re.fullmatch(r"[-+]?(\.[0-9]+|[0-9]+\.?[0-9]*)([eE][-+]?[0-9]+)?|[-+]?[0-9]+|0[xob].*", s):
            ok = False
    if ok:
        try:
            node = yaml.compose("k: " + s + "\n", Loader=cs.Loader)
            vn = node.value[0][1]
            ok = isinstance(vn, yaml.ScalarNode) and not vn.style and vn.value == s
        except yaml.YAMLError:
            ok = False
    _plain_cache[s] = ok
    return ok


def scalar_text(v):
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, Q):
        return json.dumps(str(v), ensure_ascii=False)
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return v if plain_ok(v) else json.dumps(v, ensure_ascii=False)
    raise TypeError(type(v))


def emit_lines(v, indent=0):
    pad = " " * indent
    out = []
    if isinstance(v, dict):
        for k, val in v.items():
            key = scalar_text(k) if not isinstance(k, (Raw, Q)) else scalar_text(k)
            if isinstance(val, dict) and val:
                out.append(f"{pad}{key}:")
                out += emit_lines(val, indent + 2)
            elif isinstance(val, list) and val:
                out.append(f"{pad}{key}:")
                out += emit_lines(val, indent + 2)
            else:
                out.append(f"{pad}{key}: {inline(val)}")
    elif isinstance(v, list):
        for item in v:
            if isinstance(item, (dict, list)) and item:
                sub = emit_lines(item, indent + 2)
                sub[0] = pad + "- " + sub[0][indent + 2:]
                out += sub
            else:
                out.append(f"{pad}- {inline(item)}")
    else:
        out.append(pad + scalar_text(v))
    return out


def inline(v):
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list):
        return "[]"
    return scalar_text(v)


def emit(doc):
    if not isinstance(doc, (dict, list)) or not doc:
        return inline(doc) + "\n"
    return "\n".join(emit_lines(doc)) + "\n"


# ---------------------------------------------------------------------------------------------
# Paths
def walk(v, path=()):
    """(path, value) of every node."""
    yield path, v
    if isinstance(v, dict):
        for k, x in v.items():
            yield from walk(x, path + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from walk(x, path + (i,))


def get(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def set_at(doc, path, value):
    parent = get(doc, path[:-1])
    parent[path[-1]] = value


def pattern(doc, path):
    """mounts[tmpfs].size, network.veth[].mac, process.env.*, process.rlimits.stack.soft"""
    out, cur = "", doc
    for i, p in enumerate(path):
        prev = path[i - 1] if i else None
        if isinstance(p, int):
            item = cur[p] if isinstance(cur, list) and p < len(cur) else None
            if prev == "mounts" and isinstance(item, dict) and isinstance(item.get("type"), str):
                out += f"[{item['type']}]"
            else:
                out += "[]"
        else:
            if prev == "env":
                out += ".*"
            else:
                out += ("." if out else "") + str(p)
        try:
            cur = cur[p]
        except (KeyError, IndexError, TypeError):
            cur = None
    return out or "$"


def schema_path_pattern(json_path):
    s = re.sub(r"\[\d+\]", "[]", json_path)
    s = re.sub(r"\.env\.[A-Za-z_0-9]+", ".env.*", s)
    s = re.sub(r"\['[^']*'\]", ".*", s)
    return s


# ---------------------------------------------------------------------------------------------
# Mutation material
TRICKY = [Raw("yes"), Raw("01"), Raw("0x1"), Raw("1.0"), "1000", Raw("-1"), 4294967295, Raw("0755"), "0755",
          "64MB", "50%", "unlimited", "", "abcdefghijklmnop", "10.0.0.1", "10.0.0.1/33", "fd00::1/64",
          "02:00:00:00:00:01", Raw("02:00:00:00:00:01"), "CAP_FOO", "/a/../b", "relative/path",
          Raw("True"), Raw("on"), Raw("yEs"), Raw("oN"), Raw("nO"), Raw("~"), 0, 1, 65536, 4294967294,
          Raw("1e3"), Raw("+1"), Q("true"), Q("unlimited"), "lo", "/", "/proc/x", "755", 755,
          18446744073709551615, 18446744073709551616, Raw("1_000"), Raw("1:30"), Raw(".inf"), "eth0:1",
          "01:00:5e:00:00:01", "+2:00:00:00:00:01", "fd00::+1/64", "+50%", "x y", "self", "subordinate",
          "host", "tmpfs", "bind", "net", "private", "-", "ééééééééé", "-0:00:00:00:00:01"]

KEY_POOLS = {
    "size": ["0", 0, "64Mi", "1.5G", "64mi", "64KB", "050%", "100%", "0%", "101%", "+50%", "64 Mi", "064Mi",
             18446744073709551615, 18446744073709551616, "18446744073709551615", "18446744073709551616",
             "20000000T", "16777216Ti", "1k", "1K", "1Ki", Raw("1.5"), Q("4096"), "-1", Raw("0x10")],
    "mode": ["0755", "755", "7777", "07777", "0785", "0o755", Raw("0o755"), Raw("0755"), 755, "17777", "1", "",
             "8", Raw("1777"), "u+rwx", " 755"],
    "mtu": [67, 68, 1279, 1280, 65535, 65536, Q("1500"), Raw("1_500"), Raw("01500"), 0],
    "mac": ["02:00:00:00:00:01", "01:00:00:00:00:01", "00:00:00:00:00:00", "+2:00:00:00:00:01",
            "-0:00:00:00:00:01", "02-00-00-00-00-01", "0200.0000.0001", "02:00:00:00:00:0g", "02:0:00:00:00:01",
            "2:00:00:00:00:001", "FE:FF:FF:FF:FF:FF", "02:00:00:00:00:01:02", 5, Raw("02:00:00:00:00:01")],
    "count": [0, 1, 4294967295, 4294967296, Q("1"), Raw("1.0"), 65536],
    "inside": [4294967294, 4294967295, Q("0"), Raw("-0"), 1, 65535, 65536, Q("80")],
    # network.userMode (host is also a veth's host end: a port there is a wrong type to both sides)
    "host": [1, 80, 65535, 65536, 0, Q("8080"), Raw("08080"), Raw("8080:80"), "8080:80", [8080], {"name": "h0"}],
    "protocol": ["tcp", "udp", "sctp", "TCP", Q("udp"), 6, True, ["tcp"]],
    "hostAddress": ["127.0.0.1", "::1", "0.0.0.0", "::", "::ffff:127.0.0.1", "127.0.0.1/8", "localhost", "fe80::1%eth0",
                    "10.0.0.01", 5, Raw("1.5")],
    "userMode": [True, False, {}, "pasta", Q("true"), Raw("yes"), Raw("True"), [], {"publish": []}, {"ports": {"host": 80}},
                 {"ports": [{"host": 80}, {"host": 80}]}, {"outbound": False, "dns": True}, {"outbound": False},
                 {"ports": [8080]}, {"ports": [{"inside": 80}]}],
    "ports": [[], [{"host": 80}], [8080], ["8080:80"], {"host": 80}, [{"inside": 80}], [{"host": 80, "proto": "udp"}],
              [{"host": 80, "inside": 80, "protocol": "udp", "hostAddress": "::1"}], [{"host": 80}, {"host": 80, "protocol": "udp"}]],
    "outbound": [True, False, Raw("yes"), Raw("False"), Q("false"), 1, None],
    "hostLoopback": [True, False, Raw("on"), Q("true"), 0],
    "dns": [True, False, Raw("no"), Q("false"), "resolv.conf", 1],
    "outside": ["self", "subordinate", "me", "Self", 4294967294, 4294967295, Q("1000"), Raw("yes")],
    "uid": [4294967294, 4294967295, Q("1000"), Raw("01"), Raw("-1"), Raw("1e3")],
    "gid": [4294967294, 4294967295, Q("1000"), Raw("01")],
    "version": [1, 2, 0, Q("1"), Raw("1.0"), Raw("01"), 4294967296, Raw("+1")],
    "setgroups": ["allow", "deny", "Deny", Q("deny"), False, Raw("no")],
    "root": ["host", "tmpfs", "overlay", Q("host"), "", {"path": "./rootfs"}, {"path": ""}, {"readonly": True}],
    "propagation": ["private", "rshared", "recursive", "Private", Q("slave")],
    "type": ["bind", "tmpfs", "proc", "sysfs", "dev", "devpts", "mqueue", "dir", "file", "symlink", "overlay",
             "user", "net", "Bind", Q("tmpfs")],
    "address": ["10.0.0.2/24", "10.0.0.2", ["10.0.0.2/24", "fd00::2/64"], "10.0.0.256/24", "10.00.0.2/24",
                "10.0.0.2/033", "fd00::2/129", "fd00::2%eth0/64", "::ffff:1.2.3.4/96", "1:2:3:4:5:6:7::/64",
                "::1.2.3.4/128", "fd00::+1/64", "fd00:::1/64", {"a": 1}, [["10.0.0.2/24"]], []],
    "gateway": ["10.0.0.1", "10.0.0.1/24", "fd00::1", "1.2.3", "10.0.0.01", "fd00::+1", "::", 5],
    "via": ["10.0.0.1", "10.0.0.1/24", "fd00::1", "1.2.3", "fd00::+1"],
    "to": ["10.0.0.0/8", "10.0.0.1/8", "10.0.0.0", "0.0.0.0/0", "::/0", "fd00::+0/64"],
    "name": ["eth0", "lo", ".", "..", "a/b", "a:b", "a b", "", "abcdefghijklmnop", "abcdefghijklmno", 1234, "eth0"],
    "target": ["/tmp", "/", "/proc", "/proc/sys", "/a/../b", "/a/./b", "/a//b", "/a/", "tmp", "", 5, "/dev/shm"],
    "source": ["/usr", "./cache", "", 5, "..", Raw("1.5")],
    "link": ["usr/bin", "", 5, Raw("1.0")],
    "content": ["hi\n", "", 5, Raw("1.0"), Raw("0755"), Raw("yes"), Q("true"), True],
    "cwd": ["/", "/work", "work", "/a/../b", "/a/", "", 5],
    "path": ["/run/netns/x", "run/netns/x", "/a/../b", "", 5, "./rootfs"],
    "args": [[], [""], ["/bin/true"], "/bin/true", [Raw("0.5")], [1], [True], [None], [["a"]]],
    "hostname": ["box", "a_b", "a/b", "x" * 64, "x" * 65, "a..b", "-a", 5, Raw("1.5"), ""],
    "domainname": ["example.internal", "x" * 65, "a/b", 5],
    "capabilities": [["CAP_CHOWN"], ["NET_ADMIN"], ["cap_chown"], ["CAP_FOO"], ["CAP_CHOWN", "CAP_CHOWN"], "CAP_CHOWN", [5]],
    "passEnv": [["TERM"], ["1X"], ["A-B"], [5], "TERM", [""]],
    "groups": [[0], [4294967295], [Q("0")], 0, [Raw("01")]],
    "seccomp": ["default", "unconfined", "Default", "defualt", "none", Q("default"), False, Raw("no"), 0, {},
                {"profile": "unconfined", "deny": ["mount"]}, {"profile": "unconfined", "allow": ["mount"]},
                {"allow": ["ptrace"], "deny": ["ptrace"]}, {"profil": "default"}, {"allow": "ptrace"}, ["default"]],
    "profile": ["default", "unconfined", "Unconfined", "strict", Q("unconfined"), True, Raw("no"), 1, [], {}],
    "allow": [["ptrace"], ["ptrce"], ["PTRACE"], ["sys_ptrace"], ["ptrace", "ptrace"], ["keyctl"], "ptrace", [],
              [5], [True], [None], [["ptrace"]], [Raw("1.0")], [""], [Q("true")], {"ptrace": 1}],
    "deny": [["mount"], ["mount", "mount"], ["io_uring_setup"], ["ptrace"], ["frobnicate"], "mount", [], [165],
             [False], [["mount"]], [Raw("0x1")], [" mount"], {"mount": True}],
    "nestedNamespaces": [True, False, Raw("yes"), Raw("True"), Q("true"), 1, "true", ["true"]],
    "soft": [0, "8Mi", "unlimited", Q("unlimited"), "8MB", -1, Raw("-1"), 18446744073709551615, 18446744073709551614, "50%"],
    "hard": [0, "8Mi", "unlimited", Q("unlimited"), "8MB", 18446744073709551615, "Unlimited", "infinity"],
}
RLIMIT_POOL = [0, 1024, "8Mi", "1G", "unlimited", Q("unlimited"), "Unlimited", "infinity", Q("1024"), Raw("01"),
               Raw("-1"), 18446744073709551614, 18446744073709551615, 18446744073709551616, "18446744073709551615",
               "18446744073709551616", "20000000T", "50%", {"soft": 1, "hard": 2}, {"soft": "unlimited", "hard": "unlimited"},
               {"soft": 1}, {"soft": 1, "hard": 2, "max": 3}, [1], None, True, "1k", "1K"]
TYPE_VALUES = ["text", 7, True, ["x"], {"x": "y"}, None, Raw("1.5")]
UNKNOWN_KEYS = ["bogusKey", "readonly", "size", "mode", "name", "type", "path", "soft", "target", "source",
                "content", "link", "address", "host", "args", "version", "ro", "Type"]

# Valid fragments to grow the seeds with (bases), by location.
MOUNT_FRAGMENTS = [
    {"type": "bind", "source": "/srv", "target": "/srv", "readonly": True, "optional": True, "recursive": False,
     "nosuid": True, "nodev": True, "noexec": True, "propagation": "rslave"},
    {"type": "tmpfs", "target": "/run", "size": "64Mi", "mode": "0755", "readonly": False, "nosuid": True,
     "nodev": True, "noexec": True},
    {"type": "tmpfs", "target": "/var/tmp", "size": "25%"},
    {"type": "tmpfs", "target": "/var/cache", "size": 1048576},
    {"type": "sysfs", "target": "/sys", "readonly": True},
    {"type": "dev"},
    {"type": "devpts", "target": "/dev/pts"},
    {"type": "mqueue", "target": "/dev/mqueue"},
    {"type": "dir", "target": "/srv/data", "mode": "0750"},
    {"type": "file", "target": "/etc/motd", "content": "hello\n", "mode": "0644"},
    {"type": "symlink", "target": "/opt", "link": "/usr/local"},
]
TOP_FRAGMENTS = [
    ("domainname", "example.internal"),
    ("setgroups", "deny"),
    ("root", {"path": "./rootfs", "readonly": True}),
    ("readonlyRoot", False),
    ("uidMap", [{"inside": 0, "outside": "self", "count": 1}, {"inside": 1, "outside": "subordinate", "count": 65536}]),
    ("gidMap", [{"inside": 0, "outside": 1000, "count": 1}]),
    ("network", {"loopback": True, "veth": [{"name": "eth0", "address": ["10.0.0.2/24", "fd00::2/64"],
                                            "gateway": "10.0.0.1", "routes": [{"to": "10.96.0.0/12", "via": "10.0.0.1"}],
                                            "mtu": 1500, "mac": "02:00:00:00:00:01",
                                            "host": {"name": "h0", "address": "10.0.0.1/24"}}]}),
    ("network", {"userMode": {"ports": [{"host": 8080, "inside": 80},
                                        {"host": 5353, "inside": 53, "protocol": "udp", "hostAddress": "127.0.0.1"},
                                        {"host": 8443, "protocol": "tcp", "hostAddress": "::1"}],
                              "outbound": True, "hostLoopback": False, "dns": False}}),
    ("network", {"loopback": True, "userMode": True}),
]
PROCESS_FRAGMENTS = [
    ("cwd", "/tmp"), ("passEnv", ["TERM", "LANG"]), ("uid", 0), ("gid", 0),
    ("capabilities", ["CAP_CHOWN", "CAP_NET_RAW"]), ("noNewPrivileges", False), ("init", True), ("dieWithParent", False),
    ("rlimits", {"as": "4Gi", "core": 0, "cpu": "unlimited", "data": "1073741824", "fsize": "1G", "locks": 64,
                 "memlock": "64Ki", "msgqueue": 819200, "nice": 0, "nofile": {"soft": 1024, "hard": 4096},
                 "nproc": 512, "rss": "unlimited", "rtprio": 0, "rttime": "unlimited", "sigpending": 1024,
                 "stack": {"soft": "8Mi", "hard": "unlimited"}}),
    ("env", {"PATH": "/usr/bin:/bin", "DEBUG": 1, "_X": ""}),
    ("seccomp", "unconfined"), ("nestedNamespaces", True),
    ("seccomp", {"profile": "default", "allow": ["ptrace", "perf_event_open"], "deny": ["io_uring_setup", "keyctl"]}),
]


def grow(seed):
    """Valid-looking variants of a seed: one more optional thing each."""
    out = []
    for frag in MOUNT_FRAGMENTS:
        d = copy.deepcopy(seed)
        d.setdefault("mounts", []).append(copy.deepcopy(frag))
        ns = d.get("namespaces")
        if isinstance(ns, list):
            for need in ("mount", "net", "ipc", "pid"):
                if need not in ns and not any(isinstance(x, dict) and x.get("type") == need for x in ns):
                    ns.append(need)
        out.append(d)
    for k, v in TOP_FRAGMENTS:
        d = copy.deepcopy(seed)
        d[k] = copy.deepcopy(v)
        ns = d.get("namespaces")
        if k == "network" and isinstance(ns, list) and "net" not in ns:
            ns.append("net")
        if k == "root" and "root" in seed:
            pass
        out.append(d)
    for k, v in PROCESS_FRAGMENTS:
        d = copy.deepcopy(seed)
        d.setdefault("process", {})
        if k in d["process"] and isinstance(d["process"][k], dict) and isinstance(v, dict):
            d["process"][k].update(copy.deepcopy(v))
        else:
            d["process"][k] = copy.deepcopy(v)
        out.append(d)
    d = copy.deepcopy(seed)
    d["namespaces"] = [x for x in d.get("namespaces", []) if x != "net"] + [{"type": "net", "path": "/run/netns/x"}]
    out.append(d)
    return out


def typo(key, rng):
    if not isinstance(key, str) or not key:
        return key + "x"
    ops = []
    if len(key) > 1:
        ops.append(lambda k: k[:-1])
        ops.append(lambda k: k[1:])
        i = rng.randrange(len(key) - 1)
        ops.append(lambda k: k[:i] + k[i + 1] + k[i] + k[i + 2:])
    ops.append(lambda k: k + "s")
    ops.append(lambda k: k[0].upper() + k[1:] if k[0].islower() else k[0].lower() + k[1:])
    ops.append(lambda k: k.lower() if k != k.lower() else k.upper())
    ops.append(lambda k: k.replace("e", "", 1) if "e" in k else k + "_")
    new = rng.choice(ops)(key)
    return new if new != key else key + "x"


def value_positions(doc):
    return [p for p, _ in walk(doc) if p]


def mutate(base, rng):
    """(mutant, op, path) or None."""
    d = copy.deepcopy(base)
    maps = [(p, v) for p, v in walk(d) if isinstance(v, dict)]
    lists = [(p, v) for p, v in walk(d) if isinstance(v, list) and v]
    positions = value_positions(d)
    scalars = [p for p in positions if not isinstance(get(d, p), (dict, list))]
    op = rng.choices(["delete", "rename", "retype", "tricky", "pool", "unknown", "dup", "wrap", "unwrap",
                      "mounttype", "rlimit"], weights=[8, 8, 10, 14, 24, 8, 5, 5, 4, 8, 6])[0]
    if op == "delete":
        cands = [(p, k) for p, m in maps for k in m]
        if not cands:
            return None
        p, k = rng.choice(cands)
        del get(d, p)[k]
        return d, op, p + (k,), base
    if op == "rename":
        cands = [(p, k) for p, m in maps for k in m]
        p, k = rng.choice(cands)
        m = get(d, p)
        new = typo(k, rng)
        if new in m:
            return None
        items = [(new if kk == k else kk, vv) for kk, vv in m.items()]
        m.clear()
        m.update(items)
        return d, f"{op}:{new}", p + (new,), base
    if op == "retype":
        p = rng.choice(positions)
        cur = get(d, p)
        choices = [v for v in TYPE_VALUES if type(v) is not type(cur)]
        set_at(d, p, copy.deepcopy(rng.choice(choices)))
        return d, op, p, base
    if op == "tricky":
        p = rng.choice(scalars if scalars and rng.random() < 0.8 else positions)
        set_at(d, p, rng.choice(TRICKY))
        return d, op, p, base
    if op == "pool":
        cands = [p for p in positions if isinstance(p[-1], str) and p[-1] in KEY_POOLS]
        if not cands:
            return None
        p = rng.choice(cands)
        set_at(d, p, copy.deepcopy(rng.choice(KEY_POOLS[p[-1]])))
        return d, op, p, base
    if op == "unknown":
        p, m = rng.choice(maps)
        k = rng.choice(UNKNOWN_KEYS)
        if k in m:
            return None
        m[k] = rng.choice(["x", True, 1, "/x", "64Mi", "0755"])
        return d, f"{op}:{k}", p + (k,), base
    if op == "dup":
        p, lst = rng.choice(lists)
        i = rng.randrange(len(lst))
        lst.insert(i + 1, copy.deepcopy(lst[i]))
        return d, op, p + (i + 1,), base
    if op == "wrap":
        p = rng.choice(scalars)
        set_at(d, p, [get(d, p)])
        return d, op, p, base
    if op == "unwrap":
        cands = [p for p, v in lists if p]
        if not cands:
            return None
        p = rng.choice(cands)
        set_at(d, p, get(d, p)[0])
        return d, op, p, base
    if op == "mounttype":
        ms = [(("mounts", i), m) for i, m in enumerate(d.get("mounts") or []) if isinstance(m, dict)]
        if not ms:
            return None
        p, m = rng.choice(ms)
        old = m.get("type")
        m["type"] = rng.choice([t for t in ["bind", "tmpfs", "proc", "sysfs", "dev", "devpts", "mqueue", "dir",
                                           "file", "symlink"] if t != old])
        return d, f"{op}:{old}->{m['type']}", p + ("type",), base
    if op == "rlimit":
        proc = d.setdefault("process", {}) if isinstance(d.get("process", {}), dict) else None
        if proc is None:
            return None
        rl = proc.setdefault("rlimits", {})
        if not isinstance(rl, dict):
            return None
        name = rng.choice(["as", "core", "cpu", "nofile", "stack", "nice", "msgqueue", "rttime"])
        val = copy.deepcopy(rng.choice(RLIMIT_POOL))
        if isinstance(val, dict) and rng.random() < 0.5:
            for kk in list(val):
                val[kk] = rng.choice(KEY_POOLS["soft"] + KEY_POOLS["hard"])
        rl[name] = val
        return d, op, ("process", "rlimits", name), base
    return None


# ---------------------------------------------------------------------------------------------
# Running both sides
class Runner:
    def __init__(self, nsspec, workdir):
        self.nsspec = nsspec
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.validator = Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
        self.counter = 0
        self.calls = 0

    def nsspec_batch(self, texts, batch=200):
        results = []
        for start in range(0, len(texts), batch):
            chunk = texts[start:start + batch]
            names = []
            for t in chunk:
                self.counter += 1
                name = self.workdir / f"m{self.counter:06d}.yaml"
                name.write_text(t, encoding="utf-8")
                names.append(str(name))
            proc = subprocess.run([self.nsspec, "validate", "--format", "json", *names],
                                  capture_output=True, text=True)
            self.calls += 1
            try:
                diags = json.loads(proc.stdout)
            except ValueError:
                raise SystemExit(f"nsspec output is not JSON (rc {proc.returncode}): {proc.stderr[:500]}")
            by_file = collections.defaultdict(list)
            for dg in diags:
                by_file[dg["file"]].append(dg)
            for n in names:
                results.append(by_file.get(n, []))
                os.unlink(n)
        return results

    def schema(self, text):
        try:
            inst = cs.load_spec(text)
        except cs.SpecLoadError as e:
            return [("load", "load", str(e), False)]
        errs = []
        for e in self.validator.iter_errors(inst):
            untyped = contains_untyped(e.instance)
            errs.append((e.json_path, e.validator, e.message, untyped))
        return sorted(errs)


def contains_untyped(v):
    if isinstance(v, cs.Untyped):
        return True
    if isinstance(v, dict):
        return any(contains_untyped(x) for x in v.values())
    if isinstance(v, list):
        return any(contains_untyped(x) for x in v)
    return False


def inexpressible(d):
    """A diagnostic no JSON Schema can match exactly: a suffixed size string whose value passes
    2^64 (`20000000T`). A regex could only approximate the bound, so it is left to nsspec."""
    return d["rule"] == "out-of-range" and d["message"].endswith("is too large")


def classify(diags, serrs):
    rules = sorted({d["rule"] for d in diags if d["severity"] == "error" and not inexpressible(d)})
    if not rules and any(d["severity"] == "error" for d in diags) and not serrs:
        return "C", ["out-of-range (size string past 2^64)"]
    if not rules:
        if not serrs:
            return "agree-accept", rules
        if all(u for *_, u in serrs):
            return "A-loader", rules
        return "A", rules
    if serrs:
        return "agree-reject", rules
    structural = [r for r in rules if r in STRUCTURAL]
    if len(structural) == len(rules):
        return "B", rules
    if structural:
        return "B-mixed", rules
    return "C", rules


def kind_key(cls, rules, serrs, pat):
    if cls.startswith("A"):
        return (cls, tuple(sorted({(schema_path_pattern(p), v) for p, v, _, _ in serrs})))
    if cls.startswith("B"):
        return (cls, tuple(r for r in rules if r in STRUCTURAL), pat)
    return (cls, tuple(rules))


# ---------------------------------------------------------------------------------------------
# Shrinking one example per kind: greedy deletion of map keys / list items, keeping the kind.
def deletions(doc, keep_path):
    keep = [keep_path[:i] for i in range(len(keep_path) + 1)]
    cands = []
    for p, v in walk(doc):
        if not p or p in keep or p == ("version",):
            continue
        cands.append(p)
    cands.sort(key=lambda p: (len(p), -len(json.dumps(get(doc, p), default=str))))
    return cands


def delete_path(doc, p):
    d = copy.deepcopy(doc)
    parent = get(d, p[:-1])
    if isinstance(parent, dict):
        del parent[p[-1]]
    else:
        del parent[p[-1]]
    return d


def remap_path(keep, deleted):
    """keep path after deleting `deleted` (a list index before it shifts)."""
    if len(deleted) <= len(keep) and keep[:len(deleted) - 1] == deleted[:-1] and isinstance(deleted[-1], int) \
            and isinstance(keep[len(deleted) - 1], int) and keep[len(deleted) - 1] > deleted[-1]:
        keep = keep[:len(deleted) - 1] + (keep[len(deleted) - 1] - 1,) + keep[len(deleted):]
    return keep


def shrink(runner, examples, rounds=40):
    """examples: {key: (doc, path)} -> {key: (doc, path)} smaller, same key."""
    cur = dict(examples)
    active = set(cur)
    for _ in range(rounds):
        if not active:
            break
        jobs = []
        for key in active:
            doc, path = cur[key]
            for p in deletions(doc, path)[:60]:
                nd = delete_path(doc, p)
                jobs.append((key, nd, remap_path(path, p)))
        if not jobs:
            break
        texts = [emit(nd) for _, nd, _ in jobs]
        results = runner.nsspec_batch(texts)
        improved = set()
        for (key, nd, np_), text, diags in zip(jobs, texts, results):
            if key in improved:
                continue
            serrs = runner.schema(text)
            cls, rules = classify(diags, serrs)
            pat = key[2] if key[0].startswith("B") else None
            if kind_key(cls, rules, serrs, pat) == key:
                cur[key] = (nd, np_)
                improved.add(key)
        active = improved
    return cur


# ---------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=6000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--nsspec", default=str(ROOT / ".build" / "debug" / "nsspec"))
    ap.add_argument("--out", default=None, help="folder for the mutant files (default: a temporary one)")
    ap.add_argument("--json", default=None, help="also write the results as JSON here")
    args = ap.parse_args()
    t0 = time.time()
    rng = random.Random(args.seed)
    if args.out is None:
        import tempfile
        args.out = tempfile.mkdtemp(prefix="nsspec-differential-")
    runner = Runner(args.nsspec, args.out)

    seeds = [(p.name, load_seed(p)) for p in sorted((ROOT / "specs").glob("*.yaml"))]
    # Bases: the seeds (re-emitted) and grown variants that both sides accept.
    cands = [(n, d) for n, d in seeds] + [(f"{n}+grow{i}", g) for n, d in seeds for i, g in enumerate(grow(d))]
    texts = [emit(d) for _, d in cands]
    res = runner.nsspec_batch(texts)
    bases, base_disagree = [], collections.Counter()
    for (n, d), t, diags in zip(cands, texts, res):
        cls, rules = classify(diags, runner.schema(t))
        if cls == "agree-accept":
            bases.append((n, d))
        else:
            base_disagree[cls] += 1
        if n in dict(seeds) and cls != "agree-accept":
            print(f"WARNING: seed {n} re-emitted is {cls} {rules}")
    print(f"seeds: {len(seeds)}; bases accepted by both: {len(bases)} of {len(cands)} "
          f"(rejected/other bases: {dict(base_disagree)})")

    mutants, seen = [], set()
    # Phase 1 (exhaustive sweep): every value position pattern, once, gets every pool, tricky and
    # other-type value.
    first_at = {}
    for bname, base in bases:
        for p, v in walk(base):
            if p:
                first_at.setdefault(pattern(base, p), (bname, base, p))
    for pat, (bname, base, p) in sorted(first_at.items()):
        key = p[-1] if isinstance(p[-1], str) else None
        values = list(KEY_POOLS.get(key, [])) + list(TYPE_VALUES)
        if not isinstance(get(base, p), (dict, list)) or (isinstance(p[-1], int)):
            values += TRICKY
        if pat.startswith("process.rlimits.") and pat.count(".") == 2:
            values += RLIMIT_POOL
        for val in values:
            d = copy.deepcopy(base)
            set_at(d, p, copy.deepcopy(val))
            text = emit(d)
            if text in seen:
                continue
            seen.add(text)
            mutants.append({"base": bname, "op": "sweep", "path": p, "doc": d, "text": text,
                            "pattern": pattern(d, p)})
    print(f"sweep mutants: {len(mutants)} over {len(first_at)} position patterns")
    target = len(mutants) + args.n
    tries = 0
    while len(mutants) < target and tries < args.n * 5:
        tries += 1
        bname, base = rng.choice(bases)
        r = mutate(base, rng)
        if r is None:
            continue
        d, op, path, _ = r
        text = emit(d)
        if text in seen:
            continue
        seen.add(text)
        mutants.append({"base": bname, "op": op, "path": path, "doc": d, "text": text,
                        "pattern": pattern(d, path)})
    print(f"mutants: {len(mutants)} (random: {tries} tries)")

    results = runner.nsspec_batch([m["text"] for m in mutants])
    counts = collections.Counter()
    kinds = collections.defaultdict(list)
    c_rules = collections.Counter()
    for m, diags in zip(mutants, results):
        serrs = runner.schema(m["text"])
        cls, rules = classify(diags, serrs)
        counts[cls] += 1
        m.update(cls=cls, rules=rules, diags=diags, serrs=serrs)
        if cls == "C":
            c_rules[tuple(rules)] += 1
        if cls in ("A", "A-loader", "B", "B-mixed"):
            kinds[kind_key(cls, rules, serrs, m["pattern"])].append(m)
    t1 = time.time()

    # Shrink one example per kind (smallest text first).
    examples = {}
    for key, ms in kinds.items():
        m = min(ms, key=lambda m: len(m["text"]))
        examples[key] = (m["doc"], m["path"])
    shrunk = shrink(runner, examples)
    final = {}
    texts = {key: emit(doc) for key, (doc, _) in shrunk.items()}
    keys = list(texts)
    diag_results = runner.nsspec_batch([texts[k] for k in keys])
    for key, diags in zip(keys, diag_results):
        final[key] = (texts[key], diags, runner.schema(texts[key]))

    # ---- report
    total = sum(counts.values())
    print(f"\n== summary ({total} mutants, {runner.calls} nsspec calls, mutate+classify {t1 - t0:.1f}s, "
          f"total {time.time() - t0:.1f}s)")
    for cls in ["agree-accept", "agree-reject", "C", "A", "A-loader", "B", "B-mixed"]:
        n_kinds = len([k for k in kinds if k[0] == cls])
        extra = f"   ({n_kinds} distinct kinds)" if cls in ("A", "A-loader", "B", "B-mixed") else ""
        print(f"  {cls:13s} {counts[cls]:6d}{extra}")
    print("\n  C (semantic only, schema accepts) by rules:")
    for rules, n in c_rules.most_common():
        print(f"    {n:5d}  {', '.join(rules)}")

    order = {"A": 0, "B": 1, "B-mixed": 2, "A-loader": 3}
    dump = []
    for key in sorted(kinds, key=lambda k: (order[k[0]], str(k[1:]))):
        ms = kinds[key]
        text, diags, serrs = final[key]
        print("\n" + "=" * 100)
        print(f"[{key[0]}] {' '.join(map(str, key[1:]))}   ({len(ms)} mutants; ops: "
              f"{', '.join(sorted({m['op'].split(':')[0] for m in ms}))}; e.g. at {ms[0]['pattern']})")
        print("--- minimal mutant:")
        print("    " + text.rstrip("\n").replace("\n", "\n    "))
        print("--- nsspec:")
        errs = [d for d in diags if d["severity"] == "error"]
        for d in diags:
            print(f"    {d['line']}:{d['column']} {d['severity']} [{d['rule']}] {d['message']}")
        if not errs:
            print("    (no errors)")
        print("--- schema:")
        for p, v, msg, u in serrs[:6]:
            print(f"    {p} ({v}){' [untyped]' if u else ''}: {msg[:200]}")
        if not serrs:
            print("    (accepts)")
        dump.append({"class": key[0], "key": [list(x) if isinstance(x, tuple) else x for x in key[1:]],
                     "count": len(ms), "example": text, "nsspec": diags,
                     "schema": [(p, v, msg) for p, v, msg, _ in serrs],
                     "all_patterns": sorted({m["pattern"] for m in ms})})
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"counts": counts, "kinds": dump}, indent=1, default=str))
        print(f"\nwrote {args.json}")
    import shutil
    shutil.rmtree(args.out, ignore_errors=True)
    bad = sum(counts[c] for c in ("A", "B", "B-mixed"))
    print(f"differential: {total - bad} mutants agree (or differ only where the schema cannot express a rule), "
          f"{bad} disagree")
    print(f"{total - bad} passed, {bad} failed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
