# shellcheck shell=bash
# Area "doctor" of Tests/integration/run.sh (AREAS=doctor runs only it). `nsspec doctor` and
# `nsspec validate --host` on this host: the host checks of run's preflight, for the caller,
# without running anything; every problem reported at its spec line.
# Sourced by run.sh after lib.sh; each case runs once per mode (root, rootless).

CASES+=(t_doctor_host t_doctor_spec t_validate_host)

# The caller's subordinate uids in /etc/subuid (0 when none).
sub_total() { awk -F: -v u="$CUSER" -v id="$CUID" '$1 == u || $1 == id { n += $3 } END { print n + 0 }' /etc/subuid; }

# A spec whose uid map needs one subordinate uid more than the caller has.
spec_beyond_range() {
    local need=$(( $(sub_total) + 1 ))
    spec beyond-range <<EOF2
version: 1
namespaces: [user, mount, pid]
uidMap:
  - {inside: 0, outside: self, count: 1}
  - {inside: 1, outside: subordinate, count: $need}
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/true]
EOF2
}

t_doctor_host() {
    begin "doctor: this host's facts, the kernel as uname -r names it, exit 0 when a user namespace can be made"
    run_cmd "$NSSPEC" doctor
    want_out_has "  ok    kernel $(uname -r) ("
    want_out_has "  ok    namespaces: user mount"
    # The control: whether unshare(1) makes a user namespace (own id mapped, a mount inside) for
    # this caller decides what doctor must say.
    if ! run_cmd_quiet unshare --user --map-root-user --mount mount -t tmpfs none /mnt >/dev/null; then
        want_out_has "  no    $CUSER (uid $CUID) cannot make a user namespace now"
        [ "$MODE" = rootless ] && { want_rc 1; want_out_has "result: $CUSER (uid $CUID) cannot run sandboxes here"; }
    else
        want_rc 0
        [ "$MODE" = root ] && want_out_has "result: root can run sandboxes here"
        want_out_has "  ok    $CUSER (uid $CUID) can make a user namespace now"
    fi
    end_case
}

t_doctor_spec() {
    local s line
    s=$(spec_beyond_range)
    begin "doctor SPEC: a map needing more subordinate ids than $CUSER has: exit 1, the usermod fix"
    run_cmd "$NSSPEC" doctor "$s"
    want_rc 1
    want_out_has "  no    $s:4:3: /etc/subuid gives $CUSER (uid $CUID) $(sub_total) subordinate uids; the map needs $(( $(sub_total) + 1 )) [host-subordinate-range]"
    want_out_has "        fix: as root: usermod --add-subuids "
    want_out_has "result: $s cannot run here, as $CUSER (uid $CUID): 1 problem"
    end_case

    s=$(fixture doctor/two-typos)
    line=$(line_of "$s" "source: /nonexistent-nsspec-typo")
    begin "doctor SPEC: two missing bind sources: exit 1, both at their lines"
    run_cmd "$NSSPEC" doctor "$s"
    want_rc 1
    want_out_has "  no    $s:$((line - 1)):5: $D/no-such-source does not exist: No such file or directory (ENOENT) [host-source-missing]"
    want_out_has "  no    $s:$line:5: /nonexistent-nsspec-typo does not exist: No such file or directory (ENOENT) [host-source-missing]"
    want_out_has "result: $s cannot run here, as $CUSER (uid $CUID): 2 problems"
    end_case

    s=$(fixture doctor/good)
    begin "doctor SPEC: a spec this host runs: exit 0 (and run agrees)"
    run_cmd "$NSSPEC" doctor "$s"
    want_rc 0; want_out_has "result: $s can run here, as $CUSER (uid $CUID)"
    run_as "$s"; want_rc 0
    end_case
}

t_validate_host() {
    local s line
    s=$(fixture doctor/two-typos)
    line=$(line_of "$s" "source: /nonexistent-nsspec-typo")
    begin "validate passes a bind source typo; validate --host fails on it, at its line"
    run_cmd "$NSSPEC" validate "$s"
    want_rc 0; want_out "1 spec checked: all valid"
    run_cmd "$NSSPEC" validate --host "$s"
    want_rc 1
    want_out_has "$s:$line:5: error: /nonexistent-nsspec-typo does not exist: No such file or directory (ENOENT) [host-source-missing]"
    want_out_has "$s:$((line - 1)):5: error: $D/no-such-source does not exist"
    want_out_has "1 spec checked: 1 invalid; 2 errors, 0 warnings"
    end_case

    s=$(spec_beyond_range)
    begin "validate --host: a map needing more subordinate ids than $CUSER has, in json and github too"
    run_cmd "$NSSPEC" validate --host --format json "$s"
    want_rc 1
    want_out_has "\"line\":4,\"column\":3,\"severity\":\"error\",\"rule\":\"host-subordinate-range\""
    want_out_has "\"hint\":\"as root: usermod --add-subuids "
    run_cmd "$NSSPEC" validate --host --format github "$s"
    want_rc 1; want_out_has "::error file=$s,line=4,col=3,title=nsspec host-subordinate-range::/etc/subuid gives $CUSER (uid $CUID)"
    end_case

    s=$(fixture doctor/good)
    begin "validate --host: a spec this host runs passes"
    run_cmd "$NSSPEC" validate --host "$s"
    want_rc 0; want_out "1 spec checked: all valid"
    end_case
}
