# shellcheck shell=bash
# Area "process" of Tests/integration/run.sh (AREAS=process runs only it). The process: capabilities, fds, environment, exit codes, signals, PID 1, parent death.
# Sourced by run.sh after lib.sh; each case runs once per mode (root, rootless).

CASES+=(t_capabilities t_conveniences t_fds t_env t_exit_codes t_sigchld_ignored t_sigterm t_signals_forwarded t_orphans t_init_hardening t_die_with_parent t_no_clone3 t_missing_interpreter)

t_capabilities() {
    local s field
    s=$(spec caps-one <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/grep, -E, '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):', /proc/self/status]
  env: {PATH: /usr/bin:/bin}
  uid: 0
  capabilities: [CAP_NET_BIND_SERVICE]
EOF
)
    begin "capabilities: [CAP_NET_BIND_SERVICE] in all five sets, no_new_privs"
    run_as "$s"; want_rc 0
    for field in CapInh CapPrm CapEff CapBnd CapAmb; do
        want_out_has "$field:	0000000000000400"
    done
    want_out_has "NoNewPrivs:	1"
    end_case

    s=$(spec caps-none <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/grep, -E, '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):', /proc/self/status]
  env: {PATH: /usr/bin:/bin}
  capabilities: []
  noNewPrivileges: false
EOF
)
    begin "capabilities: [] empties all five sets; noNewPrivileges: false"
    run_as "$s"; want_rc 0
    for field in CapInh CapPrm CapEff CapBnd CapAmb; do
        want_out_has "$field:	0000000000000000"
    done
    want_out_has "NoNewPrivs:	0"
    end_case
}

t_fds() {
    local s fdfile
    fdfile=$D/fdfile; : >"$fdfile"; chown "$CUID:$CGID" "$fdfile"
    s=$(spec fds <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'ls /proc/\$\$/fd']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "only fds 0 1 2 reach the process"
    # The caller holds fds 7 and 8 (and whatever the harness leaked) when it execs nsspec.
    run_cmd /bin/sh -c 'exec 7</dev/null 8>"$1"; shift; ls /proc/$$/fd | tr "\n" " "; echo; exec "$@"' \
        sh "$fdfile" "$NSSPEC" run "$s"
    want_rc 0
    want "the caller did not hold fds 7 and 8 (test bug)" grep -qE '(^| )7 8( |$)' <<<"$(head -1 <<<"$OUT")"
    # No pipeline inside: the shell's own pipe to `tr` was open while `ls` read its fds (a race).
    want "inside, fds other than 0 1 2 are open" [ "$(tail -n +2 <<<"$OUT" | tr '\n' ' ')" = "0 1 2 " ]
    end_case

    # PID 1 lives as long as the sandbox: it must not hold the caller's fds either (seen from
    # outside, in /proc/PID/fd of nsspec's children).
    local hold bg child held=""
    hold=$(spec fds-hold <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
process:
  args: [/bin/sleep, "1"]
EOF
)
    begin "PID 1 holds none of the caller's fds"
    "${PREFIX[@]}" /bin/sh -c 'exec 7</dev/null 8>"$1"; shift; exec "$@"' sh "$fdfile" "$NSSPEC" run "$hold" &
    bg=$!
    for _ in $(seq 100); do child=$(pgrep -P "$bg" | head -1); [ -n "$child" ] && break; sleep 0.01; done
    sleep 0.2
    if [ -z "$child" ]; then problem "no child of nsspec found"; else
        held=$(ls -l "/proc/$child/fd" 2>/dev/null | grep -F "$fdfile")
        [ -z "$held" ] || problem "PID 1 (pid $child) holds the caller's fd: $held"
    fi
    wait "$bg" 2>/dev/null
    end_case
}

t_env() {
    local s
    s=$(spec env <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
process:
  args: [/usr/bin/env]
  env: {PATH: /usr/bin:/bin, FOO: bar}
  passEnv: [TERM]
EOF
)
    begin "environment: exactly env + passEnv"
    run_cmd env NSSPEC_SECRET=leak TERM=xterm "$NSSPEC" run "$s"
    want_rc 0
    OUT=$(sort <<<"$OUT"); want_out "$(printf '%s\n' FOO=bar PATH=/usr/bin:/bin TERM=xterm)"
    want_out_lacks NSSPEC_SECRET
    end_case
}

# inside: self, capabilities: [ALL], passEnv: ["*"] (fixtures/process/conveniences.yaml).
t_conveniences() {
    local s last mask
    s=$(fixture process/conveniences)
    last=$(cat /proc/sys/kernel/cap_last_cap)
    mask=$(printf '%016x' $(( (1 << (last + 1)) - 1 )))
    begin "inside: self, capabilities: [ALL], passEnv: [\"*\"]"
    run_cmd env FOO=host NSSPEC_HOSTVAR=passed "$NSSPEC" run "$s"
    want_rc 0
    want_out_has "ids $CUID $CGID"
    want_out_has "CapEff:	$mask"
    want_out_has "FOO=spec HOSTVAR=passed"
    end_case
}

t_exit_codes() {
    local s want cmd
    s=$(spec exit <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
  - {type: file, target: /not-executable, content: "echo hi\n", mode: "0644"}
process:
  args: [/bin/true]
  env: {PATH: /usr/bin:/bin}
EOF
)
    # (/etc/hostname would do for 126 on most machines, but it is 0755 on some)
    while IFS='|' read -r want cmd; do
        begin "exit code $want: $cmd"
        eval "run_as \"\$s\" -- $cmd"
        want_rc "$want"
        end_case
    done <<'EOF'
0|/bin/sh -c 'exit 0'
7|/bin/sh -c 'exit 7'
255|/bin/sh -c 'exit 255'
126|/not-executable
127|/nonexistent/cmd
127|nosuchcommand
137|/bin/sh -c 'kill -9 $$'
EOF
}

# A caller that ignores SIGCHLD (SIG_IGN survives exec): the kernel would reap nsspec's children
# itself, and nsspec's wait would find nothing. nsspec returns the command's own status anyway.
t_sigchld_ignored() {
    local s
    s=$(spec sigchld <<EOF
version: 1
namespaces: [user, mount, pid]
process:
  args: [/bin/sh, -c, 'echo ran; exit 7']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "a caller that ignores SIGCHLD gets the command's status (7), not 125"
    run_cmd /usr/bin/python3 -c 'import os, signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); os.execv(sys.argv[1], sys.argv[1:])' \
        "$NSSPEC" run "$s"
    want_rc 7; want_out_has ran
    end_case
}

t_sigterm() {
    local s out err pid i a
    s=$(spec sigterm <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/true]
  env: {PATH: /usr/bin:/bin}
  init: true
EOF
)
    out=$T/cap/term.out err=$T/cap/term.err
    # term_run EXPECTED_RC CMD...: start nsspec under a small python3 parent that records how it
    # ended ("exited N" or "signaled N": bash's wait would say 143 for both), wait for "ready" on
    # its stdout, SIGTERM nsspec itself, and expect nsspec to *exit* with EXPECTED_RC.
    term_run() {
        local want=$1 how; shift
        RUN_ID=$((RUN_ID + 1)); : >"$out"; : >"$err"; rm -f "$T/cap/term.pid" "$T/cap/term.how"
        CMD_TEXT="[$MODE] $(shquote "$NSSPEC") run $(shquote "$s") --"
        for a in "$@"; do CMD_TEXT+=" $(shquote "$a")"; done; CMD_TEXT+="   (then kill -TERM)"
        "$PY" -c 'import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[3], sys.argv[3:])
open(sys.argv[1], "w").write(str(pid))
_, st = os.waitpid(pid, 0)
open(sys.argv[2], "w").write("signaled %d" % os.WTERMSIG(st) if os.WIFSIGNALED(st) else "exited %d" % os.WEXITSTATUS(st))' \
            "$T/cap/term.pid" "$T/cap/term.how" "${PREFIX[@]}" "$NSSPEC" run "$s" -- "$@" </dev/null >"$out" 2>"$err" &
        local parent=$!
        for i in $(seq 100); do
            grep -q '^ready' "$out" && break
            kill -0 "$parent" 2>/dev/null || break
            sleep 0.1
        done
        pid=$(cat "$T/cap/term.pid" 2>/dev/null)
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
        for i in $(seq 100); do kill -0 "$parent" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$parent" 2>/dev/null; then
            kill -KILL "$pid"; echo "[run.sh: nsspec still running 10s after SIGTERM; killed]" >>"$err"
        fi
        wait "$parent"
        how=$(cat "$T/cap/term.how" 2>/dev/null)
        RC=${how#exited }; [ "$RC" = "$how" ] && RC="none (${how:-no status})"
        OUT=$(cat "$out") ERR=$(cat "$err")
        grep -q '^ready' <<<"$OUT" || problem "the process never printed ready"
        [ "$how" = "exited $want" ] || problem "expected nsspec to exit with $want, it ${how:-did not start}"
    }
    begin "SIGTERM is forwarded; the trap's status is returned"
    term_run 3 /bin/sh -c 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.1; done'
    want_out_has ready; want_out_has got-term
    end_case

    begin "SIGTERM kills an untrapping process: 143"
    term_run 143 /bin/sh -c 'echo ready; exec /bin/sleep 30'
    end_case
}

# TRUST §5 item 33: SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH and SIGQUIT sent to nsspec reach the
# process, with nsspec's init as PID 1 and with the process as PID 1 (init: false); then SIGTERM
# ends it through its trap. A signal nsspec did not forward would be missing from the output.
t_signals_forwarded() {
    local s init pid i sig out=$T/cap/sig.out
    s=$(fixture process/signals)
    for init in true false; do
        sed -i "s/^  init: .*/  init: $init/" "$s"
        begin "signals sent to nsspec reach the process (init: $init): INT HUP USR1 USR2 WINCH QUIT, then TERM"
        : >"$out"
        "${PREFIX[@]}" "$NSSPEC" run "$s" </dev/null >"$out" 2>"$T/cap/sig.err" &
        pid=$!
        for i in $(seq 100); do grep -q '^ready' "$out" && break; sleep 0.05; done
        for sig in INT HUP USR1 USR2 WINCH QUIT TERM; do
            kill -"$sig" "$pid" 2>/dev/null
            for i in $(seq 40); do grep -q "^got-$sig" "$out" && break; sleep 0.05; done
        done
        for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        wait "$pid"; RC=$?
        OUT=$(cat "$out") ERR=$(cat "$T/cap/sig.err") CMD_TEXT="[$MODE] nsspec run $s   (then kill -SIG for each)"
        want_rc 0
        for sig in INT HUP USR1 USR2 WINCH QUIT TERM; do want_out_has "got-$sig"; done
        end_case
    done
}

t_orphans() {
    local s marker
    s=$(spec orphans <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'for i in \$(seq 50); do (sleep 0.2 &); done; sleep 1; grep -l "^State:.*Z" /proc/[0-9]*/status | wc -l']
  env: {PATH: /usr/bin:/bin}
  init: true
EOF
)
    begin "orphans are reaped by init (no zombies)"
    run_as "$s"; want_rc 0; want_out 0
    end_case

    # /bin/sleep 30.<run.sh pid><n> is unique to this run; the process exits at once, leaving it.
    marker="30.$$${#MODE}"
    begin "nothing of the sandbox outlives nsspec"
    run_as "$s" -- /bin/sh -c "/bin/sleep $marker >/dev/null 2>&1 & echo started"
    want_rc 0; want_out started
    local left; left=$(pgrep -fx "/bin/sleep $marker")
    if [ -n "$left" ]; then
        sleep 1; problem "after nsspec exited, /bin/sleep $marker is still running: pid $left ($(pgrep -fx "/bin/sleep $marker" >/dev/null && echo 'still there 1s later' || echo 'gone 1s later'))"
        for p in $(pgrep -fx "/bin/sleep $marker"); do kill -KILL "$p"; done
    fi
    end_case
}

t_init_hardening() {
    local s
    s=$(spec init-hardening <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
  - {type: dev}
process:
  args: [/bin/sh, -c, 'echo "pid1: \$(cat /proc/1/comm)"; readlink /proc/1/exe || echo exe-refused; (echo x >>/proc/1/exe) 2>/dev/null || echo exe-write-refused; cat /proc/1/environ >/dev/null 2>&1 || echo environ-refused']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "the tiny init (nsspec's image, PID 1) is not dumpable: no /proc/1/exe, no environ (CVE-2019-5736)"
    run_as "$s"; want_rc 0
    want_out_has "pid1: nsspec"; want_out_has exe-refused; want_out_has exe-write-refused; want_out_has environ-refused
    end_case
}

t_die_with_parent() {
    local s pid i marker alive
    for dwp in true false; do
        marker="31.$$$RANDOM"
        s=$(spec "die-$dwp" <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
uidMap: [{inside: 0, outside: self, count: 1}, {inside: 1, outside: subordinate, count: 65536}]
gidMap: [{inside: 0, outside: self, count: 1}, {inside: 1, outside: subordinate, count: 65536}]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sleep, "$marker"]
  env: {PATH: /usr/bin:/bin}
  uid: 1000                # the parent-death signal must survive the uid change
  gid: 1000
  dieWithParent: $dwp
EOF
)
        begin "nsspec killed with SIGKILL: the sandbox $([ $dwp = true ] && echo dies with it || echo lives on, dieWithParent: false)"
        CMD_TEXT="[$MODE] $(shquote "$NSSPEC") run $(shquote "$s")   (then kill -KILL nsspec)"; RC=-; OUT=; ERR=
        "${PREFIX[@]}" "$NSSPEC" run "$s" </dev/null >/dev/null 2>&1 &
        pid=$!
        for i in $(seq 50); do pgrep -fx "/bin/sleep $marker" >/dev/null && break; sleep 0.1; done
        pgrep -fx "/bin/sleep $marker" >/dev/null || problem "the sandbox's process never started"
        kill -KILL "$pid"; wait "$pid" 2>/dev/null
        alive=yes
        for i in $(seq 30); do pgrep -fx "/bin/sleep $marker" >/dev/null || { alive=no; break; }; sleep 0.1; done
        if [ $dwp = true ]; then
            [ $alive = no ] || problem "the sandbox's process outlived nsspec by 3 s"
        else
            [ $alive = yes ] || problem "the sandbox's process died with nsspec despite dieWithParent: false"
        fi
        pkill -KILL -fx "/bin/sleep $marker" 2>/dev/null
        end_case
    done
}

# Process creation where clone3(2) is filtered (ENOSYS, as older container runtimes' seccomp
# profiles answer): nsspec falls back to clone(2), on the one-clone path and on the fork path
# (a time namespace: the child makes PID 1 with CLONE_PARENT). The filter sets no_new_privs, so
# the specs map only the caller (no setuid newuidmap).
t_no_clone3() {
    local s probe
    if [ ! -x "$T/bin/no-clone3" ]; then skip "clone3 filtered" "no C compiler to build Tests/integration/no-clone3.c"; return; fi
    begin "clone3 filtered (ENOSYS): the filter is in place (control)"
    probe=$("${PREFIX[@]}" "$T/bin/no-clone3" --probe 2>&1)
    [ "$probe" = ENOSYS ] || problem "clone3 under the filter gave '$probe', not ENOSYS"
    end_case
    s=$(spec noclone3 <<'EOF'
version: 1
namespaces: [user, mount, uts, pid, time]
hostname: fallback
mounts:
  - {type: proc}
process:
  args: [/bin/sh, -c, 'hostname; cat /proc/1/comm; readlink /proc/self/ns/time']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "clone3 filtered (ENOSYS): clone(2) makes the child and PID 1 (CLONE_PARENT)"
    run_cmd "$T/bin/no-clone3" "$NSSPEC" run "$s"; want_rc 0
    want_out_has fallback; want_out_has nsspec
    [ "$(grep '^time:' <<<"$OUT")" != "$(readlink /proc/self/ns/time)" ] || problem "expected a new time namespace"
    end_case
    begin "clone3 filtered (ENOSYS): one clone into every namespace"
    run_cmd "$T/bin/no-clone3" "$NSSPEC" run "$REPO/specs/hello.yaml"; want_rc 0
    want_out_has "hostname: hello"
    end_case
}

# A command that exists in the sandbox but whose interpreter does not: execve's ENOENT alone reads
# as "no such command". The ELF loader, a dangling link to it, and a script's #! interpreter are
# named (exit 127, as bash and env(1) give), through posix_spawn (PID 1) and through execve (no
# pid namespace); each next to its control, where the interpreter is there and the command runs.
t_missing_interpreter() {
    local s ns loader
    loader=$(readelf -l /bin/true 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
    [ -n "$loader" ] || { skip t_missing_interpreter "no readelf, or /bin/true is not dynamically linked"; return; }
    for ns in "user, mount, pid" "user, mount"; do
        s=$(fixture process/interp-missing); sed -i "s|^@NS@\$|namespaces: [$ns]|" "$s"
        begin "missing ELF interpreter named ([$ns])"
        run_as "$s"; want_rc 127
        want_err_has "$s:$(line_of "$s" "args:"):9: error: process: /bin/true exists but its ELF interpreter (dynamic loader) $loader is not in the sandbox: No such file or directory (ENOENT)"
        want_err_has "hint: a dynamically linked program needs its loader and libraries inside the sandbox: bind /lib, /lib64 and /usr/lib read-only"
        end_case
    done
    if [ -L "$loader" ] && [ "${loader%/*}" = /lib64 ] && [ -d /usr/lib64 ] && [ "$(readlink /lib64)" = usr/lib64 ]; then
        s=$(fixture process/interp-dangling)
        begin "an ELF interpreter that is a dangling link: its target named"
        run_as "$s"; want_rc 127
        want_err_has "ELF interpreter (dynamic loader) $loader is not in the sandbox (it is a symlink to $(readlink "$loader"), which is not)"
        end_case
    else
        skip t_missing_interpreter "the dangling-loader case needs Debian's /lib64 -> usr/lib64 with the loader a symlink"
    fi
    s=$(fixture process/interp-present)
    begin "control: with /usr and its links the same /bin/true runs"
    run_as "$s"; want_rc 0
    end_case

    s=$(fixture process/script-interp-missing)
    begin "a script whose #! interpreter is missing: named"
    run_as "$s"; want_rc 127
    want_err_has "$s:$(line_of "$s" "args:"):9: error: process: /run.sh exists but its #! interpreter /bin/sh is not in the sandbox: No such file or directory (ENOENT)"
    want_err_has "hint: a script runs through the program its first line names"
    end_case
    s=$(fixture process/script-interp-present)
    begin "control: with /bin/sh there the script runs"
    run_as "$s"; want_rc 0; want_out "script ran"
    end_case
}
