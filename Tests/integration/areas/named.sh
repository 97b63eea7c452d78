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

# The attacks on exec's joining process (CVE-2016-9962, CVE-2019-5736): a process inside the
# sandbox, with every capability of its user namespace and no seccomp filter, waits for the
# joining process to appear in its pid namespace and tries to ptrace it, to open its
# /proc/PID/exe (the host's nsspec binary) and to read its environment (the caller's). The debug
# build holds the join there (NSSPEC_TEST_JOIN_HOLD) so the attacker does not have to win a race;
# the control leaves the joining process dumpable (NSSPEC_TEST_JOIN_DUMPABLE=1) and the same
# attacks work. And the caller's session keyring, out of the command's reach.
CASES+=(t_named_attacks)

t_named_attacks() {
    local s n=nt-$$-x variant attacker out
    cp "$REPO/Tests/integration/join-attack.py" "$D/join-attack.py"; chmod 644 "$D/join-attack.py"
    cp "$REPO/Tests/integration/keyring.py" "$D/keyring.py"; chmod 644 "$D/keyring.py"
    s=$(fixture named/attack)
    begin "the attack sandbox starts"
    nrun run --name "$n" --detach "$s"; want_rc 0
    end_case
    [ "$RC" = 0 ] || return
    for variant in control protected; do
        if [ $variant = control ]; then
            begin "control: a joining process left dumpable is ptraced, its exe opened, its environment read from inside"
        else
            begin "a process inside cannot ptrace exec's joining process, open its /proc/PID/exe or read its environment"
        fi
        out=$D/attack-$variant.out
        "${PREFIX[@]/#XDG_CACHE_HOME=*/XDG_RUNTIME_DIR=$T/run-$MODE}" "$NSSPEC" exec "$n" -- /usr/bin/python3 /join-attack.py 15 >"$out" 2>&1 &
        attacker=$!
        sleep 0.5
        local extra=(NSSPEC_TEST_JOIN_HOLD=1500 NSSPEC_TEST_SECRET=s3cret)
        [ $variant = control ] && extra+=(NSSPEC_TEST_JOIN_DUMPABLE=1)
        local saved=("${PREFIX[@]}"); PREFIX=(env "${extra[@]}" "${saved[@]}")
        nrun exec "$n" -- /bin/true
        PREFIX=("${saved[@]}")
        wait "$attacker"
        if ! grep -q 'test hook: the join held' <<<"$ERR"; then
            skip "named: attacks on the join" "this nsspec is not a debug build: it has no hook to hold the join (NSSPEC_TEST_JOIN_HOLD)"
            nrun stop "$n"; return
        fi
        want_rc 0
        OUT=$(cat "$out")
        if [ $variant = control ]; then
            want_out_has "ptrace ok"; want_out_has "exe ok"; want_out_has "environ ok"; want_out_has "secret yes"
        else
            want_out_has "ptrace EPERM"; want_out_has "exe EACCES"; want_out_has "environ EACCES"; want_out_has "secret no"
        fi
        end_case
    done

    # The caller's keys: the command joins a session keyring of its own, as run's process does.
    begin "keyring: the caller's session keyring and its keys are out of an exec'd command's reach (control: the caller reads its key)"
    local saved=("${PREFIX[@]}"); PREFIX=(env XDG_RUNTIME_DIR="$T/run-$MODE" "${saved[@]}")
    run_cmd /usr/bin/python3 "$D/keyring.py" outer /bin/sh -c \
        "exec \"\$0\" exec \"\$1\" -- /usr/bin/python3 /keyring.py inner \"\$NSSPEC_TEST_KEY\"" "$NSSPEC" "$n"
    PREFIX=("${saved[@]}")
    want_rc 0
    local caller inside
    caller=$(grep '^caller ' <<<"$OUT") inside=$(grep '^inside ' <<<"$OUT")
    want "control: the caller reads its own key" grep -q ' read:s3cret$' <<<"$caller"
    want "inside, the caller's session keyring is not the command's" [ "$(cut -d' ' -f2 <<<"$caller")" != "$(cut -d' ' -f2 <<<"$inside")" ]
    want "inside, the caller's key is out of reach: $inside" grep -Eq ' (EACCES|ENOKEY|EKEYREVOKED)$' <<<"$inside"
    end_case
    nrun stop "$n"
}

# exec with a terminal (-t, or the spec's process.terminal when standard input is one): a pty of
# the sandbox's devpts — the one at its /dev/pts, or a private instance as its process had —
# relayed as run's; -T none; either way a session of its own. Driven through a terminal of its
# own (ptydrive.py), as a user at a terminal.
CASES+=(t_named_terminal)

# ndrive SCRIPT_TEXT ARGS...: nsspec ARGS (as nrun) through a 30x100 terminal (ptydrive.py)
ndrive() {
    local text=$1 saved=("${PREFIX[@]}"); shift
    cp "$REPO/Tests/integration/ptydrive.py" "$D/ptydrive.py"; chmod 755 "$D/ptydrive.py"
    printf '%s\n' "$text" >"$D/drive.script"; chmod 644 "$D/drive.script"
    PREFIX=(env XDG_RUNTIME_DIR="$T/run-$MODE" "${saved[@]}")
    run_cmd "$PY" "$D/ptydrive.py" --size 30,100 "$D/drive.script" -- "$NSSPEC" "$@"
    PREFIX=("${saved[@]}")
}

t_named_terminal() {
    local s p n=nt-$$-t m=nt-$$-p host_pts
    s=$(fixture named/terminal)
    p=$(fixture named/sleeper)
    begin "the two terminal sandboxes start"
    nrun run --name "$n" --detach "$s"; want_rc 0
    nrun run --name "$m" --detach "$p"; want_rc 0
    end_case
    [ "$RC" = 0 ] || { nrun stop "$n"; return; }
    host_pts=$(stat -c %d /dev/pts/ptmx)

    begin "exec from a terminal: a /dev/pts/N of the sandbox's devpts (not the host's), its size followed, a session of its own, exit 3"
    ndrive 'expect nbox$ 
send tty; stat -c %d $(tty) /dev/pts/ptmx | uniq | wc -l; echo ptsdev-$(stat -c %d /dev/pts/ptmx); echo sid-$(cut -d" " -f6 /proc/$$/stat)-pid-$$; stty size\n
expect 30 100
resize 40 120
sleep 0.3
send stty size\n
expect 40 120
send exit 3\n' exec "$n" -- /bin/bash --norc --noprofile -i
    want_out_has "status 3"; want_out_has "same-termios yes"; want_out_has "/dev/pts/0"
    grep -q $'^1\r$' <<<"$OUT" || problem "the tty and /dev/pts/ptmx are not of one devpts"
    want_out_lacks "ptsdev-$host_pts"$'\r'
    grep -Eq 'sid-([0-9]+)-pid-\1' <<<"$OUT" || problem "the shell is not the leader of a session of its own"
    ! grep -q '^EXPECT-FAILED' <<<"$OUT" || problem "$(grep '^EXPECT-FAILED' <<<"$OUT" | head -3 | tr '\n' ';')"
    end_case

    begin "exec from a terminal into a sandbox with no devpts at /dev/pts: a pty of a private devpts instance"
    ndrive 'sleep 0.5' exec "$m" -- /bin/sh -c 'readlink /proc/self/fd/0; test -t 0 && echo stdin-is-a-tty; stty size'
    # /0: the pty's path in a devpts that is mounted nowhere (the process's own is the same kind).
    want_out_has "status 0"; want_out_has "stdin-is-a-tty"; want_out_has "30 100"
    grep -q $'^/0\r$' <<<"$OUT" || problem "the pty is not of a private devpts instance"
    end_case

    begin "exec -T from a terminal: no pty of the sandbox's, a session of its own all the same"
    ndrive 'sleep 0.5' exec -T "$n" -- /bin/sh -c 'ls /dev/pts; echo sid-$(cut -d" " -f6 /proc/$$/stat)-pid-$$'
    want_out_has "status 0"
    grep -Eq $'^[0-9]+\r$' <<<"$OUT" && problem "a pty was opened in the sandbox's devpts"
    grep -Eq 'sid-([0-9]+)-pid-\1' <<<"$OUT" || problem "the command is not the leader of a session of its own"
    end_case

    begin "exec -t without a terminal is refused (125), -t with -T is a usage error (64)"
    nrun exec -t "$n" -- /bin/true </dev/null; want_rc 125; want_err_has "exec -t, but nsspec's standard input is not a terminal"
    nrun exec -t -T "$n" -- /bin/true; want_rc 64; want_err_has "-t (a terminal) and -T (none) contradict each other"
    nrun exec "$n" -- /bin/sh -c 'test -t 0 || echo no-tty' </dev/null; want_rc 0; want_out "no-tty"
    end_case
    nrun stop "$n"; nrun stop "$m"
}
