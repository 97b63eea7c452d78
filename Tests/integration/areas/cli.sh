# shellcheck shell=bash
# Area "cli" of Tests/integration/run.sh (AREAS=cli runs only it). The command line on the shipped examples: run and plan.
# Sourced by run.sh after lib.sh; each case runs once per mode (root, rootless).

CASES+=(t_examples t_plan)

# The example specs of the repository, run from a copy (ci-build binds the repository, `..`).
t_examples() {
    local r=$T/repo
    [ -d "$r" ] || { mkdir -p "$r"; cp -r "$REPO/specs" "$REPO/schema" "$r/"; chmod -R a+rX "$r"; }
    begin "specs/hello.yaml"
    run_as "$r/specs/hello.yaml"; want_rc 0; want_out_has "hostname: hello"
    end_case
    begin "specs/tmpfs-root.yaml"
    run_as "$r/specs/tmpfs-root.yaml"; want_rc 0; want_out_has "hostname: minimal"; want_out_has "/ is read-only"
    end_case
    begin "specs/capabilities.yaml"
    run_as "$r/specs/capabilities.yaml"; want_rc 0; want_out_has "CapEff:	0000000000000400"; want_out_has "nofile: 1024"
    end_case
    begin "specs/ci-build.yaml -- /bin/true"
    run_as "$r/specs/ci-build.yaml" -- /bin/true; want_rc 0
    end_case
    begin "specs/rootless-multirange.yaml"
    if [ -z "$(sub_start /etc/subuid "$CUSER")" ] || [ -z "$(sub_start /etc/subgid "$CUSER")" ]; then
        skip "$CASE" "$CUSER has no range in /etc/subuid or /etc/subgid (run Tests/integration/setup.sh)"; return
    fi
    run_as "$r/specs/rootless-multirange.yaml"; want_rc 0; want_out_has "uid=1000"
    end_case
}

t_plan() {
    local r=$T/repo
    [ -d "$r" ] || { mkdir -p "$r"; cp -r "$REPO/specs" "$REPO/schema" "$r/"; chmod -R a+rX "$r"; }
    begin "plan --format json is JSON"
    run_cmd "$NSSPEC" plan "$r/specs/hello.yaml" --format json; want_rc 0
    "$PY" -m json.tool <<<"$OUT" >/dev/null 2>&1 || problem "stdout is not valid JSON"
    end_case
    begin "plan of every example spec"
    run_cmd "$NSSPEC" plan "$r"/specs/*.yaml; want_rc 0
    end_case
}
