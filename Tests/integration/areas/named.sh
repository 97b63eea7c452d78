# shellcheck shell=bash
# Area "named" of Tests/integration/run.sh (AREAS=named runs only it). Named sandboxes (issue 17):
# run --name --detach, ps, exec, stop; exited sandboxes, bad names, forged records, other users.
# Sourced by run.sh after lib.sh; each case runs once per mode (root, rootless).
#
# State: root's is /run/nsspec (names here are nt-PID-…, each stopped by its case); the
# rootless caller's is $T/run-rootless/nsspec (XDG_RUNTIME_DIR), removed with $T.

CASES+=(t_named_lifecycle t_named_exits t_named_errors t_named_forged t_named_other_user t_named_parallel)

# nrun ARGS...: nsspec ARGS as the mode's caller, with its runtime directory.
nrun() {
    local saved=("${PREFIX[@]}") dir=$T/run-$MODE
    [ -d "$dir" ] || { mkdir -m 700 "$dir"; chown "$CUID:$CGID" "$dir"; }
    PREFIX=(env XDG_RUNTIME_DIR="$dir" "${saved[@]}")
    run_cmd "$NSSPEC" "$@"
    PREFIX=("${saved[@]}")
}
# The state directory of the mode's caller.
state_dir() { if [ "$MODE" = root ]; then echo /run/nsspec; else echo "$T/run-$MODE/nsspec"; fi; }
# record_field NAME KEY
record_field() { sed -n "s/^$2=//p" "$(state_dir)/$1"; }

t_named_lifecycle() {
    local s n=nt-$$-a pid k ids json caps_run caps_exec fdtest
    s=$(fixture named/sleeper)
    begin "run --name --detach prints the name and returns; ps lists it running with the namespace ids of its pid"
    nrun run --name "$n" --detach "$s"; want_rc 0; want_out "$n"
    pid=$(record_field "$n" pid)
    want "a record with a pid" test -n "$pid"
    want "the recorded pid is alive" kill -0 "${pid:-0}"
    nrun ps; want_rc 0
    want "ps lists $n running" grep -qE "^$n +running +$pid " <<<"$OUT"
    nrun ps --format json; want_rc 0
    for k in user mnt pid uts ipc; do
        ids=$(stat -L -c %i "/proc/$pid/ns/$k" 2>/dev/null)
        want_out_has "\"$k\":$ids"
    done
    end_case

    begin "exec runs in the sandbox: its hostname, its namespaces, the spec's environment, status comes back"
    nrun exec "$n" -- hostname; want_rc 0; want_out "named-box"
    nrun exec "$n" -- sh -c 'exit 7'; want_rc 7
    nrun exec "$n" -- sh -c 'kill -TERM $$'; want_rc 143
    nrun exec "$n" -- sh -c 'for k in user mnt pid uts ipc; do echo "$k $(stat -L -c %i /proc/self/ns/$k)"; done'; want_rc 0
    for k in user mnt pid uts ipc; do want_out_has "$k $(stat -L -c %i "/proc/$pid/ns/$k")"; done
    nrun exec "$n" -- /usr/bin/env; want_rc 0
    want_out "$(printf 'PATH=/usr/bin:/bin\nNAMED=box')"
    nrun exec -e EXTRA=1 -e NAMED=other "$n" -- /usr/bin/env; want_rc 0
    want_out "$(printf 'PATH=/usr/bin:/bin\nEXTRA=1\nNAMED=other')"
    end_case

    begin "exec takes the spec's process identity (capabilities, no_new_privs, seccomp as run gives them), fds 0-2 only"
    run_as "$s" -- /bin/grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp|Uid|Gid):' /proc/self/status; want_rc 0; caps_run=$OUT
    nrun exec "$n" -- /bin/grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp|Uid|Gid):' /proc/self/status; want_rc 0; caps_exec=$OUT
    want "exec's identity equals run's (run: $caps_run)" test "$caps_run" = "$caps_exec"
    want "seccomp is on" grep -q "Seccomp:	2" <<<"$caps_exec"
    # The caller holds fds 5 and 7 open; the command sees 0, 1, 2 only.
    local saved=("${PREFIX[@]}"); PREFIX=(env XDG_RUNTIME_DIR="$T/run-$MODE" "${saved[@]}")
    run_cmd sh -c 'exec 5</dev/null 7</dev/null; exec "$0" "$@"' "$NSSPEC" exec "$n" -- sh -c 'ls /proc/$$/fd'
    PREFIX=("${saved[@]}")
    want_rc 0; want_out "$(printf '0\n1\n2')"
    end_case

    begin "stop ends it, prints its status, and ps no longer lists it"
    nrun stop "$n"; want_rc 0; want_out "$n: exited 143"
    want "pid $pid is gone" sh -c "! kill -0 $pid 2>/dev/null"
    nrun ps; want_rc 0; want_out_lacks "$n"
    want "no record left" test ! -e "$(state_dir)/$n" -a ! -e "$(state_dir)/$n.plan"
    end_case
}

t_named_exits() {
    local s n=nt-$$-q i
    s=$(fixture named/quick)
    begin "a sandbox ending on its own shows 'exited N'; exec refuses it; stop prints the status and removes the record"
    nrun run --name "$n" --detach "$s"; want_rc 0; want_out "$n"
    for i in $(seq 50); do grep -q '^state=exited' "$(state_dir)/$n" 2>/dev/null && break; sleep 0.1; done
    nrun ps; want "ps shows exited 3" grep -qE "^$n +exited 3 " <<<"$OUT"
    nrun exec "$n" -- true; want_rc 125; want_err_has "'$n' has exited (status 3)"
    nrun stop "$n"; want_rc 0; want_out "$n: exited 3"
    want "no record left" test ! -e "$(state_dir)/$n"
    end_case

    begin "a foreground run --name returns the process's status and records it"
    nrun run --name "$n" "$s"; want_rc 3
    nrun ps; want "ps shows exited 3" grep -qE "^$n +exited 3 " <<<"$OUT"
    nrun stop "$n"; want_rc 0
    end_case
}

t_named_errors() {
    local s n=nt-$$-e
    s=$(fixture named/sleeper)
    begin "bad names and unknown names: clear errors, 64 for usage, 125 otherwise, did-you-mean"
    nrun run --name 'bad/name' "$s"; want_rc 64; want_err_has "'bad/name' is not a valid sandbox name"
    nrun exec '-x' ; want_rc 64
    nrun run --detach "$s"; want_rc 64; want_err_has "--detach needs --name NAME"
    nrun run --name "$n" --detach "$s"; want_rc 0
    nrun exec "${n}x" -- true; want_rc 125; want_err_has "no sandbox named '${n}x'; did you mean '$n'?"
    nrun stop 'a/b'; want_rc 125; want_err_has "'a/b' is not a sandbox name"
    nrun run --name "$n" --detach "$s"; want_rc 125; want_err_has "the name '$n' is in use by a running sandbox"
    nrun stop "$n"; want_rc 0
    end_case
}

t_named_forged() {
    local s n=nt-$$-f victim i
    s=$(fixture named/sleeper)
    begin "a record whose pid is another process (wrong start time) is neither entered nor signalled"
    # A process of the caller's, then a record naming it with another start time.
    nrun run --name "$n" --detach "$s"; want_rc 0
    victim=$(record_field "$n" pid)
    sed -i "s/^pid_start=.*/pid_start=12345/" "$(state_dir)/$n"
    nrun exec "$n" -- true; want_rc 125; want_err_has "is not running: pid $victim is gone or is another process"
    nrun stop "$n"; want_rc 0; want_err_has "was not running"
    want "the pid was not signalled" kill -0 "$victim"
    # Its supervisor, alive still, records the end; then stop removes that record.
    kill -KILL "$victim" 2>/dev/null
    for i in $(seq 50); do grep -q '^state=exited' "$(state_dir)/$n" 2>/dev/null && break; sleep 0.1; done
    nrun stop "$n"; want_rc 0; want_out "$n: exited 137"
    want "no record left" test ! -e "$(state_dir)/$n"
    end_case
}

t_named_other_user() {
    local s n=nt-$$-o rec
    if [ "$MODE" != root ] || [ "$HAVE_USER" = 0 ]; then skip "named: another user's sandbox" "checked from the root mode, with $TEST_USER"; return; fi
    s=$(fixture named/sleeper)
    begin "another user neither lists nor enters root's sandbox, not even through a copied record"
    nrun run --name "$n" --detach "$s"; want_rc 0
    set_mode rootless
    nrun ps; want_rc 0; want_out_lacks "$n"
    nrun exec "$n" -- true; want_rc 125; want_err_has "no sandbox named '$n'"
    nrun ps  # makes the rootless state directory
    cp /run/nsspec/"$n" /run/nsspec/"$n".plan "$(state_dir)/" && chown "$CUID:$CGID" "$(state_dir)/$n" "$(state_dir)/$n.plan"
    nrun exec "$n" -- true; want_rc 125; want_err_has "belongs to uid 0, not to you"
    rm -f "$(state_dir)/$n" "$(state_dir)/$n.plan"
    set_mode root
    nrun stop "$n"; want_rc 0
    end_case
}

t_named_parallel() {
    local s i marker=1000.$$ left
    s=$(fixture named/sleeper)
    begin "20 sandboxes started and stopped in parallel leave no record, process or mount"
    local saved=("${PREFIX[@]}"); PREFIX=(env XDG_RUNTIME_DIR="$T/run-$MODE" "${saved[@]}")
    [ -d "$T/run-$MODE" ] || { mkdir -m 700 "$T/run-$MODE"; chown "$CUID:$CGID" "$T/run-$MODE"; }
    run_cmd sh -c 'for i in $(seq 20); do "$0" run --name "np-$$-$i" --detach "$1" -- /bin/sleep "$2" >/dev/null & done; wait' \
        "$NSSPEC" "$s" "$marker"
    want_rc 0
    want "20 sleepers run" test "$(pgrep -fc "^/bin/sleep $marker\$")" -eq 20
    run_cmd "$NSSPEC" ps
    want "ps lists 20 running" test "$(grep -c "^np-.* running " <<<"$OUT")" -eq 20
    run_cmd sh -c 'for n in $("$0" ps | awk '"'"'/^np-/ { print $1 }'"'"'); do "$0" stop --timeout 5 "$n" >/dev/null & done; wait' "$NSSPEC"
    want_rc 0
    PREFIX=("${saved[@]}")
    left=$(ls -A "$(state_dir)" 2>/dev/null | grep '^np-')
    want "no record left: $left" test -z "$left"
    want "no sleeper left" sh -c "! pgrep -f '^/bin/sleep $marker\$' >/dev/null"
    want "no nsspec process left" sh -c "! pgrep -f 'nsspec run --name n[p]-' >/dev/null"
    want "no mount of a sandbox left on the host" sh -c "! grep -q nsspec /proc/self/mountinfo"
    end_case
}
