# shellcheck shell=bash
# Area "export" of Tests/integration/run.sh (AREAS=export runs only it): nsspec export --format oci
# (issue 19, in progress). Each exported bundle is checked against the vendored runtime-spec
# schema (Tests/oci/check_bundle.py), exported twice and compared byte for byte, and run by runc:
# its probe output must be the one `nsspec run` prints for the same spec.

CASES+=(t_export_runc t_export_lossy)

# oci_probe: the probe both runs print, as one `sh -c` text: hostname, ids, maps, which
# namespaces are new (against the caller's, whose inode numbers it carries), the capability sets,
# no_new_privs, seccomp, the mount table (targets and ro/rw; not "/" and not /dev's nodes, which
# a runtime makes itself), each tmpfs's mode, cwd, the environment (not HOME, which runc sets from
# /etc/passwd when the spec has none) and the nofile limit.
oci_probe() {
    local k list=""
    for k in cgroup ipc mnt net pid time user uts; do
        list+=" $k:$("${PREFIX[@]}" stat -L -c %i "/proc/self/ns/$k")"
    done
    printf '%s' 'hostname; id; grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status; cat /proc/self/uid_map /proc/self/gid_map; '
    printf '%s' "for p in$list; do "'k=${p%%:*}; [ "$(stat -L -c %i /proc/self/ns/$k)" = "${p#*:}" ] && echo "$k: the caller'"'"'s" || echo "$k: new"; done; '
    printf '%s' 'awk "\$5 != \"/\" && \$5 !~ /^\/dev\// {print \$5, substr(\$6,1,2)}" /proc/self/mountinfo | sort; '
    printf '%s' 'for m in $(awk "/ - tmpfs / && \$5 != \"/\" && \$5 !~ /^\/dev/ {print \$5}" /proc/self/mountinfo | sort); do echo "tmpfs $m $(stat -c %a $m)"; done; '
    printf '%s' 'pwd; env | grep -v ^HOME= | sort; ulimit -n'
}

# check_bundle DIR: the schema check, by the suite's own python (the one `make deps` gave
# jsonschema), not as the mode's caller: it only reads the bundle.
check_bundle() { local saved=("${PREFIX[@]}"); PREFIX=(); run_cmd python3 "$REPO/Tests/oci/check_bundle.py" "$1"; PREFIX=("${saved[@]}"); }

t_export_runc() {
    local s b
    s=$(fixture export/probe)
    b=$D/probe.oci
    begin "export: a bundle valid against the runtime-spec schema, the same bytes twice, the spec line of what is lossy"
    rm -rf "$b" "$b.2"
    run_cmd "$NSSPEC" export -o "$b" "$s"; want_rc 1
    want_err_has "$s:"; want_err_has "seccomp: nsspec's second filter"; want_err_has "nothing written"
    local probe; probe="$(oci_probe); exit 3"
    run_cmd "$NSSPEC" export --lossy -o "$b" "$s" -- /bin/sh -c "$probe"; want_rc 0; want_out "$b/config.json (runtime-spec 1.1.0)"
    want_err_has "warning: seccomp: nsspec's second filter"
    check_bundle "$b"; want_rc 0; want_out "$b: ok"
    run_cmd "$NSSPEC" export --lossy -o "$b.2" "$s" -- /bin/sh -c "$probe"; want_rc 0
    run_cmd "$NSSPEC" export --lossy -o "$b" "$s" -- /bin/sh -c "$probe"; want_rc 1
    want_err_has "nsspec: export: $b exists and is not empty; nothing written (choose another -o DIR, or remove it)"
    want "the same config.json twice (but for the bundle's path)" cmp <(sed "s|$b.2|$b|g" "$b.2/config.json") "$b/config.json"
    end_case

    if ! command -v runc >/dev/null; then skip "export: runc run" "runc is not installed (make deps installs it)"; return; fi
    begin "runc runs the exported bundle: hostname, ids, maps, capabilities, no_new_privs, seccomp, mounts, cwd, env, rlimit, status as nsspec run"
    local expected
    run_cmd "$NSSPEC" run "$s" -- /bin/sh -c "$probe"; want_rc 3; expected=$OUT
    want_out_has "net: the caller's"; want_out_has "pid: new"; want_out_has "tmpfs /tmp 1777"
    # runc's state in the mode's own directory: rootless, runc runs as the caller (no cgroup of
    # its own where none is delegated; the probe reads none).
    run_cmd runc --root "$D/runc" run --bundle "$b" "nsspec-export-$$-$MODE"; want_rc 3
    [ "$OUT" = "$expected" ] || problem "runc's output differs from nsspec run's: $(diff <(echo "$expected") <(echo "$OUT") | head -20 | tr '\n' ';')"
    want_out_has "Seccomp:	2"
    end_case

    # crun (Debian 12: 1.8.1), where this host's cgroup layout lets it run.
    if ! command -v crun >/dev/null; then skip "export: crun run" "crun is not installed (Debian package crun; not in make deps)"; return; fi
    run_cmd crun --root "$D/crun" run --bundle "$b" "nsspec-export-crun-$$-$MODE"
    if [ "$RC" != 3 ] && grep -q "cgroups in hybrid mode not supported" <<<"$ERR"; then
        skip "export: crun run" "crun $(crun --version | head -1 | awk '{print $3}') refuses this host's cgroup layout: '$(head -1 <<<"$ERR")' (also with --cgroup-manager=disabled)"
        return
    fi
    begin "crun runs the exported bundle with the same output as nsspec run"
    want_rc 3
    [ "$OUT" = "$expected" ] || problem "crun's output differs from nsspec run's: $(diff <(echo "$expected") <(echo "$OUT") | head -20 | tr '\n' ';')"
    end_case
}

t_export_lossy() {
    local s
    s=$(spec export-veth <<EOF
version: 1
namespaces: [user, mount, pid, net]
$STD_ROOT
  - {type: proc}
network:
  userMode: true
process:
  args: [/bin/true]
  init: true
  seccomp: unconfined
EOF
)
    begin "export: userMode and the tiny init have no OCI form: an error each at its line; --lossy warns and writes"
    rm -rf "$D/lossy.oci"
    run_cmd "$NSSPEC" export -o "$D/lossy.oci" "$s"; want_rc 1
    want_err_has "$s:$(line_of "$s" "userMode:"):3: error: network.userMode"
    want_err_has "error: nsspec's tiny init (process.init)"
    want "nothing written" test ! -e "$D/lossy.oci"
    run_cmd "$NSSPEC" export --lossy -o "$D/lossy.oci" "$s"; want_rc 0
    want_err_has "warning: network.userMode"
    check_bundle "$D/lossy.oci"; want_rc 0
    end_case
}

# Every example spec that exports with no loss but nsspec's second seccomp filter, its tiny
# init or dieWithParent: runc runs its bundle with a probe as the command, and prints what
# `nsspec run SPEC -- PROBE` prints. The others say why they are left out.
CASES+=(t_export_examples)

t_export_examples() {
    local f name b expected ran=0 probe
    if ! command -v runc >/dev/null; then skip "export: the examples under runc" "runc is not installed (make deps installs it)"; return; fi
    probe=$(oci_probe)
    for f in "$REPO"/specs/*.yaml; do
        name=$(basename "$f" .yaml)
        b=$D/example-$name.oci
        rm -rf "$b"
        begin "export: specs/$name.yaml under runc prints what nsspec run prints"
        run_cmd "$NSSPEC" export --lossy -o "$b" "$f" -- /bin/sh -c "$probe"
        if [ "$RC" != 0 ]; then
            echo "  (specs/$name.yaml not exported: $(grep -m1 'error:' <<<"$ERR" | sed 's/.*error: //'))"
            CASE=; continue
        fi
        if grep -q 'warning: network\.' <<<"$ERR"; then
            echo "  (specs/$name.yaml: its network does not carry over; not run)"
            CASE=; continue
        fi
        check_bundle "$b"; want_rc 0
        run_cmd "$NSSPEC" run "$f" -- /bin/sh -c "$probe"; expected=$OUT
        if [ "$RC" != 0 ]; then echo "  (specs/$name.yaml does not run here as $MODE: $(head -1 <<<"$ERR"))"; CASE=; continue; fi
        run_cmd runc --root "$D/runc" run --bundle "$b" "nsspec-example-$$-$MODE-$name"; want_rc 0
        [ "$OUT" = "$expected" ] || problem "runc's output differs from nsspec run's: $(diff <(echo "$expected") <(echo "$OUT") | head -12 | tr '\n' ';')"
        ran=$((ran + 1))
        end_case
    done
    [ "$ran" -gt 0 ] || { begin "export: at least one example ran under runc"; problem "none did"; end_case; }
}
