#!/usr/bin/env python3
"""Checks OCI runtime bundles against the vendored OCI runtime-spec JSON Schema.

Usage:  python3 Tests/oci/check_bundle.py BUNDLE_DIR...
        python3 Tests/oci/check_bundle.py --self-test

For each BUNDLE_DIR:
1. BUNDLE_DIR/config.json is read and validated against Tests/oci/schema/config-schema.json
   (runtime-spec v1.1.0, draft-04; see Tests/oci/schema/README.md). The schema's relative
   `$ref`s (defs.json, config-linux.json, ...) are resolved from the vendored directory only,
   never from the network.
2. `root.path` must name an existing directory, relative to the bundle or absolute. The schema
   leaves `root` optional because Windows containers may omit it; the runtime-spec requires it on
   every other platform, and these bundles are Linux bundles, so a missing `root` is an error.

Prints `BUNDLE: ok`, or one line per error naming the JSON path of the offending value
(`BUNDLE: $.linux.namespaces[0].type: 'bogus' is not one of [...]`). Exits 1 if any bundle has an
error, 2 on a usage error.

--self-test validates an inline minimal valid config (must pass) and an inline invalid one
(missing ociVersion, namespace type "bogus"; both errors must be reported), and checks the
root.path rule on throwaway bundles; it exits 1 if any verdict is wrong.
"""

import json
import pathlib
import sys
import tempfile

from jsonschema import Draft4Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT4

SCHEMA_DIR = pathlib.Path(__file__).resolve().parent / "schema"
ROOT_SCHEMA = "config-schema.json"


def _retrieve(uri):
    """Loads a `file:` URI under SCHEMA_DIR; anything else (network, other paths) is refused."""
    prefix = SCHEMA_DIR.as_uri() + "/"
    if not uri.startswith(prefix):
        raise NoSuchResource(ref=uri)
    path = SCHEMA_DIR / uri[len(prefix):]
    try:
        contents = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise NoSuchResource(ref=uri) from error
    return DRAFT4.create_resource(contents)


def make_validator():
    """A draft-04 validator for config-schema.json whose relative $refs resolve offline."""
    path = SCHEMA_DIR / ROOT_SCHEMA
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    registry = Registry(retrieve=_retrieve)
    # The vendored files carry no `id`; giving the root its file URI as base makes
    # "defs.json#/definitions/..." resolve to the sibling file, and "#/definitions/..." inside
    # defs-linux.json resolve within that file.
    uri = path.as_uri()
    registry = registry.with_resource(uri, DRAFT4.create_resource(schema))
    return Draft4Validator({"$ref": uri}, registry=registry)


def _leaf_errors(error):
    """The most specific errors under an anyOf/oneOf failure, so the message names the real cause."""
    if not error.context:
        return [error]
    leaves = []
    for sub in error.context:
        leaves.extend(_leaf_errors(sub))
    return leaves


def config_errors(validator, config):
    """Schema errors of one config, as sorted 'JSON path: message' strings."""
    messages = set()
    for error in validator.iter_errors(config):
        if error.validator in ("anyOf", "oneOf") and error.context:
            leaves = sorted({f"{e.json_path}: {e.message}" for e in _leaf_errors(error)})
            if len(leaves) == 1:  # e.g. linux.namespaces items: an anyOf of one branch
                messages.add(leaves[0])
            else:
                options = "; ".join(leaves)
                messages.add(f"{error.json_path}: matches none of the allowed forms ({options})")
        else:
            messages.add(f"{error.json_path}: {error.message}")
    return sorted(messages)


def root_errors(bundle, config):
    """The runtime-spec's root rule, checked against the bundle on disk."""
    if not isinstance(config, dict):
        return []
    root = config.get("root")
    if root is None:
        return ["$.root: missing; a Linux bundle needs a root filesystem (root.path)"]
    if not isinstance(root, dict) or not isinstance(root.get("path"), str):
        return []  # the schema has already reported the wrong type
    path = pathlib.Path(root["path"])
    resolved = path if path.is_absolute() else bundle / path
    if not resolved.exists():
        return [f"$.root.path: {root['path']!r} does not exist (looked for {resolved})"]
    if not resolved.is_dir():
        return [f"$.root.path: {root['path']!r} is not a directory ({resolved})"]
    return []


def bundle_errors(validator, bundle):
    config_path = bundle / "config.json"
    try:
        text = config_path.read_text(encoding="utf-8")
    except OSError as error:
        return [f"config.json: cannot read {config_path}: {error.strerror or error}"]
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        return [f"config.json:{error.lineno}:{error.colno}: not valid JSON: {error.msg}"]
    return config_errors(validator, config) + root_errors(bundle, config)


def check_bundles(bundles):
    validator = make_validator()
    failed = False
    for name in bundles:
        errors = bundle_errors(validator, pathlib.Path(name))
        if errors:
            failed = True
            for error in errors:
                print(f"{name}: {error}")
        else:
            print(f"{name}: ok")
    return 1 if failed else 0


VALID_CONFIG = {
    "ociVersion": "1.1.0",
    "root": {"path": "rootfs", "readonly": True},
    "process": {
        "args": ["/bin/sh", "-c", "echo hello"],
        "cwd": "/",
        "user": {"uid": 0, "gid": 0},
        "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
    },
    "linux": {
        "namespaces": [
            {"type": "pid"},
            {"type": "mount"},
            {"type": "user"},
            {"type": "network", "path": "/proc/1/ns/net"},
        ],
        "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
        "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
    },
}


def self_test():
    """Each case: (name, verdict wanted, what the errors must mention). Returns the exit status."""
    validator = make_validator()
    invalid = json.loads(json.dumps(VALID_CONFIG))
    del invalid["ociVersion"]
    invalid["linux"]["namespaces"][1]["type"] = "bogus"
    cases = [
        ("minimal valid config", VALID_CONFIG, []),
        ("missing ociVersion, namespace type bogus", invalid,
         ["$: 'ociVersion' is a required property", "$.linux.namespaces[1].type: 'bogus' is not one of"]),
    ]
    failures = 0
    for name, config, wanted in cases:
        errors = config_errors(validator, config)
        if not wanted:
            ok = not errors
        else:
            ok = all(any(error.startswith(w) for error in errors) for w in wanted)
        print(f"{'PASS' if ok else 'FAIL'} schema: {name}")
        for error in errors:
            print(f"    {error}")
        failures += not ok

    with tempfile.TemporaryDirectory() as tmp:
        bundle = pathlib.Path(tmp)
        root_cases = [
            ("root.path missing on disk", False),
            ("root.path an existing directory", True),
        ]
        for name, make_rootfs in root_cases:
            if make_rootfs:
                (bundle / "rootfs").mkdir()
            (bundle / "config.json").write_text(json.dumps(VALID_CONFIG), encoding="utf-8")
            errors = bundle_errors(validator, bundle)
            ok = (not errors) if make_rootfs else any(e.startswith("$.root.path:") for e in errors)
            print(f"{'PASS' if ok else 'FAIL'} bundle: {name}")
            for error in errors:
                print(f"    {error}")
            failures += not ok

    print(f"{len(cases) + 2 - failures} passed, {failures} failed")
    return 1 if failures else 0


def main(argv):
    if not argv or (argv != ["--self-test"] and any(arg.startswith("-") for arg in argv)):
        print("usage: check_bundle.py BUNDLE_DIR...  |  check_bundle.py --self-test", file=sys.stderr)
        return 2
    try:
        return self_test() if argv == ["--self-test"] else check_bundles(argv)
    except (OSError, json.JSONDecodeError, SchemaError, Unresolvable) as error:
        # A missing or broken vendored schema file: no verdict is possible, which is a failure.
        print(f"check_bundle: cannot use the OCI schema in {SCHEMA_DIR}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
