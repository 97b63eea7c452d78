#!/usr/bin/env python3
"""Runs the composite GitHub Action of the repository (action.yml) here, as a runner would.

    action.py ACTION_DIR WORKSPACE [NAME=VALUE ...]

Each step's `run:` script runs with `bash --noprofile --norc -eo pipefail` (GitHub's `shell: bash`)
in WORKSPACE, with the step's `env:`, GITHUB_ACTION_PATH, GITHUB_WORKSPACE and a GITHUB_PATH file
whose lines are put in front of PATH for the steps after. The expressions `${{ inputs.NAME }}`
(the given value, else the input's default) and `${{ github.action_path }}` are substituted; any
other expression, an unknown input, or a step this runner cannot run is an error (exit 2), so a
change to action.yml that this local run would not really test fails it. The exit status is the
first failing step's, else 0.
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def fail(message):
    print(f"action.py: {message}", file=sys.stderr)
    sys.exit(2)


def main():
    if len(sys.argv) < 3:
        fail("usage: action.py ACTION_DIR WORKSPACE [NAME=VALUE ...]")
    action_dir, workspace = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with open(os.path.join(action_dir, "action.yml")) as f:
        action = yaml.safe_load(f)
    runs = action.get("runs", {})
    if runs.get("using") != "composite":
        fail(f"runs.using is {runs.get('using')!r}, not composite")
    declared = action.get("inputs", {})
    inputs = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    for arg in sys.argv[3:]:
        name, _, value = arg.partition("=")
        if name not in declared:
            fail(f"no input {name!r} (inputs: {', '.join(declared)})")
        inputs[name] = value

    def substitute(text):
        def value(match):
            expression = match.group(1)
            if expression == "github.action_path":
                return action_dir
            if expression.startswith("inputs.") and expression[7:] in declared:
                return inputs[expression[7:]]
            fail(f"cannot evaluate ${{{{ {expression} }}}}")
        return EXPRESSION.sub(value, str(text))

    with tempfile.TemporaryDirectory() as tmp:
        github_path = os.path.join(tmp, "GITHUB_PATH")
        open(github_path, "w").close()
        path = os.environ.get("PATH", "/usr/bin:/bin")
        for index, step in enumerate(runs.get("steps", [])):
            name = step.get("name", f"step {index + 1}")
            unknown = set(step) - {"name", "shell", "env", "run", "if", "id"}
            if unknown or "run" not in step or step.get("shell") != "bash" or "if" in step:
                fail(f"step {name!r}: only `shell: bash` steps with run and env are run here")
            env = dict(os.environ)
            env.update({k: substitute(v) for k, v in (step.get("env") or {}).items()})
            env.update(PATH=path, GITHUB_PATH=github_path, GITHUB_ACTION_PATH=action_dir,
                       GITHUB_WORKSPACE=workspace, GITHUB_ACTIONS="true")
            script = os.path.join(tmp, f"step-{index}.sh")
            with open(script, "w") as f:
                f.write(substitute(step["run"]))
            print(f"::group::{name}", flush=True)
            status = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                                    cwd=workspace, env=env).returncode
            print("::endgroup::", flush=True)
            if status != 0:
                print(f"action.py: step {name!r} failed with exit status {status}", file=sys.stderr)
                return status
            with open(github_path) as f:
                added = [line.strip() for line in f if line.strip()]
            path = os.pathsep.join(list(reversed(added)) + [os.environ.get("PATH", "/usr/bin:/bin")])
    return 0


if __name__ == "__main__":
    sys.exit(main())
