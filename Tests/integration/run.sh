#!/usr/bin/env bash
# Real-sandbox integration tests for `nsspec run` and `nsspec plan`.
#
#   sudo Tests/integration/setup.sh      # once: creates the user nsspec-test and id ranges
#   sudo Tests/integration/run.sh        # the suite; NSSPEC=/path/to/nsspec to test another binary
#
# Every case runs twice, as root and as the unprivileged user nsspec-test ("rootless"), and is
# checked from inside the sandbox with ordinary tools and from outside. Each case prints
# PASS/FAIL/SKIP with its mode; a failure shows the command, exit code, stdout and stderr.
# The suite never touches the machine's network and leaves nothing behind (one temp dir, removed).
# The binary is copied into that temp dir (0755) first: the test user must be able to execute it,
# and a rebuild while the suite runs must not swap it under the cases.
#
# Environment: NSSPEC (binary, default .build/debug/nsspec), ONLY=t_maps,t_env (run only these
# groups; names in CASES at the bottom), KEEP_TMP=1 (keep the temp dir with the specs written).
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TEST_USER=nsspec-test
TIMEOUT=20            # seconds; any single nsspec invocation taking longer is a failure

if [ "$(id -u)" -ne 0 ]; then echo "run.sh: must run as root (it also runs each case as $TEST_USER)" >&2; exit 2; fi

NSSPEC_BIN=${NSSPEC:-.build/debug/nsspec}
case $NSSPEC_BIN in /*) ;; *) NSSPEC_BIN=$REPO/$NSSPEC_BIN ;; esac
if [ ! -x "$NSSPEC_BIN" ]; then echo "run.sh: no executable nsspec at $NSSPEC_BIN (set NSSPEC)" >&2; exit 2; fi

T=$(mktemp -d /tmp/nsspec-integ.XXXXXX)
chmod 755 "$T"
cleanup() {
    # Kill any marker process a failed orphan case left behind (by pid), then remove the dir.
    for p in $(pgrep -f "^/bin/sleep 30\.$$" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    for n in "${NETNS_MADE[@]}"; do ip netns del "$n" 2>/dev/null; done
    if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf --one-file-system "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -m 755 "$T/bin" "$T/cap"
cp "$NSSPEC_BIN" "$T/bin/nsspec" && chmod 755 "$T/bin/nsspec"
if command -v cc >/dev/null; then cc -O -o "$T/bin/no-clone3" "$REPO/Tests/integration/no-clone3.c" || rm -f "$T/bin/no-clone3"; fi
NSSPEC=$T/bin/nsspec
cd "$T" || exit 2

passed=0 failed=0 skipped=0
PY=$(command -v /usr/bin/python3 python3 | head -1)
[ -n "$PY" ] || { echo "run.sh: python3 is needed" >&2; exit 2; }
HAVE_USER=0
id -u "$TEST_USER" >/dev/null 2>&1 && HAVE_USER=1

# ---------------------------------------------------------------------------------------------
# Modes: set_mode root|rootless sets PREFIX (how to run a command as the caller), CUID, CGID and
# D, the mode's own directory (owned by the caller, world-readable) for specs and data.
set_mode() {
    MODE=$1
    if [ "$MODE" = root ]; then
        PREFIX=() CUID=0 CGID=0 CUSER=root
    else
        PREFIX=(env HOME="/home/$TEST_USER" USER="$TEST_USER" LOGNAME="$TEST_USER"
                setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups --)
        CUID=$(id -u "$TEST_USER") CGID=$(id -g "$TEST_USER") CUSER=$TEST_USER
    fi
    D=$T/$MODE
    [ -d "$D" ] || { mkdir -m 755 "$D"; chown "$CUID:$CGID" "$D"; }
}

# subordinate range start of a user in FILE (first line), empty if none
sub_start() { awk -F: -v u="$2" '$1 == u { print $2; exit }' "$1" 2>/dev/null; }

# ---------------------------------------------------------------------------------------------
# Running things. run_cmd CMD... runs CMD as the current mode's caller, stdin /dev/null, and sets
# RC, OUT, ERR and CMD_TEXT. run_as SPEC [-- CMD...] is run_cmd nsspec run SPEC [-- CMD...].
RUN_ID=0
run_cmd() {
    RUN_ID=$((RUN_ID + 1))
    CMD_TEXT="[$MODE]"; local a; for a in "$@"; do CMD_TEXT+=" $(shquote "$a")"; done
    # (the outer 2>/dev/null silences bash's own "Illegal instruction"-style job reports)
    { timeout -k 3 "$TIMEOUT" "${PREFIX[@]}" "$@" </dev/null >"$T/cap/out" 2>"$T/cap/err"; } 2>/dev/null
    RC=$?
    OUT=$(cat "$T/cap/out") ERR=$(cat "$T/cap/err")
    [ "$RC" -eq 124 ] && ERR+=$'\n'"[run.sh: timed out after ${TIMEOUT}s]"
}
# quote an argument for display, sh style
shquote() {
    if [[ $1 =~ ^[A-Za-z0-9_./=:,+@%-]+$ ]]; then printf '%s' "$1"
    else local q="'\\''"; printf "'%s'" "${1//\'/$q}"; fi
}
run_as() { local spec=$1; shift; run_cmd "$NSSPEC" run "$spec" "$@"; }

# spec NAME < yaml  -- writes $D/NAME.yaml (0644) and prints its path
spec() { local f=$D/$1.yaml; cat >"$f"; chmod 644 "$f"; echo "$f"; }

# line of the first line in FILE containing STRING
line_of() { grep -nF -- "$2" "$1" | head -1 | cut -d: -f1; }

# The usual tmpfs root: read-only /usr and /etc, and the Debian 12 symlinks. Specs append mounts.
STD_ROOT='root: tmpfs
mounts:
  - {type: bind, source: /usr, target: /usr, readonly: true}
  - {type: bind, source: /etc, target: /etc, readonly: true}
  - {type: symlink, target: /bin, link: usr/bin}
  - {type: symlink, target: /lib, link: usr/lib}
  - {type: symlink, target: /lib64, link: usr/lib64}
  - {type: symlink, target: /sbin, link: usr/sbin}'

# ---------------------------------------------------------------------------------------------
# Cases. begin NAME; checks (want_*); end_case. A failed check records the run it looked at.
begin() { CASE=$1; PROBLEMS=""; SHOWN_RUN=-1; }
problem() {
    PROBLEMS+="    - $1"$'\n'
    if [ "$SHOWN_RUN" -ne "$RUN_ID" ] && [ "$RUN_ID" -gt 0 ]; then
        SHOWN_RUN=$RUN_ID
        PROBLEMS+="      command:   $CMD_TEXT"$'\n'"      exit code: $RC"$'\n'
        PROBLEMS+="      stdout:$(indent "$OUT")"$'\n'"      stderr:$(indent "$ERR")"$'\n'
    fi
}
# indent TEXT: quoted output for a failure report, at most 20 lines (a crash backtrace is long)
indent() {
    if [ -z "$1" ]; then printf ' (empty)'; return; fi
    local n; n=$(printf '%s\n' "$1" | wc -l)
    printf '\n'; printf '%s\n' "$1" | head -20 | sed 's/^/        | /'
    [ "$n" -le 20 ] || printf '        | ... (%d more lines)\n' $((n - 20))
}
end_case() {
    if [ -z "$PROBLEMS" ]; then
        echo "PASS $CASE ($MODE)"; passed=$((passed + 1))
    else
        echo "FAIL $CASE ($MODE)"; printf '%s' "$PROBLEMS"; failed=$((failed + 1))
    fi
}
skip() { echo "SKIP $1 ($MODE): $2"; skipped=$((skipped + 1)); }

want_rc()       { [ "$RC" -eq "$1" ] || problem "expected exit code $1, got $RC"; }
want_out()      { [ "$OUT" = "$1" ] || problem "expected stdout exactly: $(printf %q "$1")"; }
want_out_has()  { grep -qF -- "$1" <<<"$OUT" || problem "expected stdout to contain: $1"; }
want_out_lacks(){ ! grep -qF -- "$1" <<<"$OUT" || problem "expected stdout not to contain: $1"; }
want_err_has()  { grep -qF -- "$1" <<<"$ERR" || problem "expected stderr to contain: $1"; }
# want DESCRIPTION COMMAND...: the command must succeed
want() { local d=$1; shift; "$@" || problem "$d"; }

# squeeze whitespace of each line (the kernel pads /proc/self/uid_map)
squeeze() { awk '{ $1 = $1; print }'; }

# ---------------------------------------------------------------------------------------------
t_namespaces() {
    local s n host inside line
    s=$(spec ns5 <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'for n in user mnt uts ipc pid net cgroup time; do echo "\$n \$(readlink /proc/self/ns/\$n)"; done']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "namespaces: user mount uts ipc pid new; net cgroup time shared"
    run_as "$s"; want_rc 0
    [ -n "$OUT" ] && for n in user mnt uts ipc pid net cgroup time; do
        host=$(run_cmd_quiet readlink "/proc/self/ns/$n")
        inside=$(awk -v n="$n" '$1 == n { print $2 }' <<<"$OUT")
        case $n in
            net|cgroup|time) [ -n "$inside" ] && [ "$inside" = "$host" ] || problem "$n: inside '$inside', expected the host's '$host'" ;;
            *)               [ -n "$inside" ] && [ "$inside" != "$host" ] || problem "$n: inside '$inside', expected a new one (host '$host')" ;;
        esac
    done
    end_case

    s=$(spec ns8 <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid, net, cgroup, time]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'for n in user mnt uts ipc pid net cgroup time; do echo "\$n \$(readlink /proc/self/ns/\$n)"; done']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "namespaces: all eight new"
    run_as "$s"; want_rc 0
    [ -n "$OUT" ] && for n in user mnt uts ipc pid net cgroup time; do
        host=$(run_cmd_quiet readlink "/proc/self/ns/$n")
        inside=$(awk -v n="$n" '$1 == n { print $2 }' <<<"$OUT")
        [ -n "$inside" ] && [ "$inside" != "$host" ] || problem "$n: inside '$inside', expected a new one (host '$host')"
    done
    end_case
}
# run a command as the caller and print its stdout (no bookkeeping)
run_cmd_quiet() { "${PREFIX[@]}" "$@" 2>/dev/null </dev/null; }

t_uts() {
    local s
    s=$(spec uts <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
hostname: box-$MODE
domainname: example.test
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'hostname; domainname; cat /proc/sys/kernel/hostname /proc/sys/kernel/domainname']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "hostname and domainname"
    run_as "$s"; want_rc 0
    want_out "box-$MODE"$'\n'"example.test"$'\n'"box-$MODE"$'\n'"example.test"
    end_case
}

t_maps() {
    local s start
    s=$(spec map-default <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; echo --; cat /proc/self/setgroups; id -u; id -g']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "maps: default is caller -> 0, setgroups deny"
    run_as "$s"; want_rc 0
    OUT=$(squeeze <<<"$OUT")
    want_out "0 $CUID 1"$'\n'"--"$'\n'"0 $CGID 1"$'\n'"--"$'\n'"deny"$'\n'"0"$'\n'"0"
    end_case

    begin "maps: self + subordinate ranges, process uid/gid 1000"
    if ! command -v newuidmap >/dev/null || ! command -v newgidmap >/dev/null; then
        skip "$CASE" "newuidmap/newgidmap not installed (package uidmap)"; return
    fi
    start=$(sub_start /etc/subuid "$CUSER"); local gstart; gstart=$(sub_start /etc/subgid "$CUSER")
    if [ -z "$start" ] || [ -z "$gstart" ]; then
        skip "$CASE" "$CUSER has no range in /etc/subuid or /etc/subgid (run Tests/integration/setup.sh)"; return
    fi
    s=$(spec map-multi <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
uidMap:
  - {inside: 0, outside: self, count: 1}
  - {inside: 1, outside: subordinate, count: 65536}
gidMap:
  - {inside: 0, outside: self, count: 1}
  - {inside: 1, outside: subordinate, count: 65536}
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; echo --; id -u; id -g']
  env: {PATH: /usr/bin:/bin}
  uid: 1000
  gid: 1000
EOF
)
    run_as "$s"; want_rc 0
    OUT=$(squeeze <<<"$OUT")
    want_out "0 $CUID 1"$'\n'"1 $start 65536"$'\n'"--"$'\n'"0 $CGID 1"$'\n'"1 $gstart 65536"$'\n'"--"$'\n'"1000"$'\n'"1000"
    end_case
}

t_readonly() {
    local s data
    data=$D/data; rm -rf "$data"; mkdir -m 755 "$data"; chown "$CUID:$CGID" "$data"
    s=$(spec ro-bind <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: bind, source: $data, target: /data, readonly: true}
process:
  args: [/bin/touch, /data/x]
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "read-only bind refuses writes (EROFS)"
    run_as "$s"; want_rc 1; want_err_has "Read-only file system"
    want "/data/x appeared on the host" [ ! -e "$data/x" ]
    end_case

    s=$(spec rw-bind <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: bind, source: $data, target: /data}
process:
  args: [/bin/sh, -c, 'echo hello > /data/y']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "writable bind: the file appears on the host"
    run_as "$s"; want_rc 0
    want "$data/y is missing on the host or wrong" grep -qsx hello "$data/y"
    end_case

    s=$(spec ro-root <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
readonlyRoot: true
$STD_ROOT
  - {type: tmpfs, target: /tmp}
process:
  args: [/bin/sh, -c, 'touch /newfile; echo "root:\$?"; touch /tmp/ok && echo tmp-ok']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "readonlyRoot: / read-only, tmpfs /tmp writable"
    run_as "$s"; want_rc 0
    want_out "root:1"$'\n'"tmp-ok"; want_err_has "Read-only file system"
    end_case
}

t_tmpfs() {
    local s
    s=$(spec tmpfs <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: tmpfs, target: /tmp, size: 16Mi, mode: "1777"}
  - {type: proc}
process:
  args: [/bin/sh, -c, 'stat -c %a /tmp; echo \$(( \$(stat -f -c "%b * %S" /tmp) / 1024 )); df -k /tmp | awk "NR == 2 { print \\\$2 }"']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "tmpfs size 16Mi and mode 1777"
    run_as "$s"; want_rc 0
    want_out "1777"$'\n'"16384"$'\n'"16384"
    end_case
}

t_proc() {
    local s pids
    s=$(spec proc <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'echo "self \$\$"; ls /proc | grep -E "^[0-9]+\$"']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "proc of the new pid namespace"
    run_as "$s"; want_rc 0
    pids=$(grep -vx 'self [0-9]*' <<<"$OUT")
    want "sh's pid is not small (≤ 5)" [ "$(awk '$1 == "self" { print ($2 <= 5) }' <<<"$OUT")" = 1 ]
    want "pid 1 is not in /proc" grep -qx 1 <<<"$pids"
    want "more than 5 pids in /proc: $(echo $pids)" [ "$(grep -c . <<<"$pids")" -le 5 ]
    end_case
}

t_pivot_root() {
    local s marker
    marker=$D/marker-outside; echo x >"$marker"; chmod 644 "$marker"
    s=$(spec pivot <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'for p in /root /var /home /work $T $marker; do [ -e "\$p" ] && echo "visible: \$p"; done; [ -x /usr/bin/env ] && echo usr-ok']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "pivot_root: host paths outside the mount table are gone"
    run_as "$s"; want_rc 0
    want_out "usr-ok"
    end_case
}

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

t_symlink_escape() {
    local s tag=nsspec-escape-$$
    s=$(spec escape <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: symlink, target: /abs, link: /oldroot/tmp}
  - {type: symlink, target: /rel, link: ../../../../../../oldroot/tmp}
  - {type: file, target: /abs/$tag-a, content: "x"}
  - {type: file, target: /rel/$tag-b, content: "x"}
  - {type: tmpfs, target: /abs/$tag-mnt}
process:
  args: [/bin/sh, -c, 'ls /oldroot/tmp']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "a symlink in the new root cannot send a file or mount outside it"
    run_as "$s"; want_rc 0
    want_out_has "$tag-a"; want_out_has "$tag-b"; want_out_has "$tag-mnt"
    want "no $tag* in the host's /tmp" test -z "$(ls -A /tmp | grep -F "$tag")"
    end_case
}

t_directory_root() {
    local s r=$D/rootfs-$MODE
    rm -rf "$r"; mkdir -p "$r/usr" "$r/data" "$r/tmp"; echo from-rootfs >"$r/data/marker"
    ln -s usr/bin "$r/bin"; ln -s usr/lib "$r/lib"; ln -s usr/lib64 "$r/lib64"
    chmod -R a+rX "$r"
    s=$(spec dirroot <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
root: {path: $r, readonly: true}
mounts:
  - {type: bind, source: /usr, target: /usr, readonly: true}
  - {type: tmpfs, target: /tmp}
process:
  args: [/bin/sh, -c, 'cat /data/marker; touch /data/x 2>&1; touch /tmp/ok && echo tmp-writable']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "root: a directory, read-only, with the table mounted in it"
    run_as "$s"; want_rc 0
    want_out_has from-rootfs; want_out_has "Read-only file system"; want_out_has tmp-writable
    want "the rootfs directory is unchanged" test ! -e "$r/data/x" -a ! -e "$r/tmp/ok"
    end_case
}

t_cwd_escape() {
    local s
    s=$(spec cwd-escape <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'pwd; ls']
  cwd: /proc/self/fd/7
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "a cwd through an inherited fd to a host directory is refused (CVE-2024-21626)"
    exec 7</etc
    run_as "$s"
    exec 7<&-
    # The caller's fd 7 is closed as the sandbox's process starts, so the path does not exist
    # there (ENOENT); were it open, getcwd would find the directory outside the root.
    want_rc 125; want_out_lacks passwd
    want "the cwd was not refused" grep -Eq "cwd /proc/self/fd/7(: No such file or directory| is outside the sandbox's root)" <<<"$ERR"
    end_case
}

t_mount_types() {
    local s m=$D/mt-$MODE
    rm -rf "$m"; mkdir -p "$m"; echo hello-file >"$m/f.txt"; chmod -R a+rX "$m"
    s=$(spec mount-types <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid, net]
root: tmpfs
mounts:
  - {type: bind, source: /usr, target: /usr, readonly: true}
  - {type: symlink, target: /bin, link: usr/bin}
  - {type: symlink, target: /lib, link: usr/lib}
  - {type: symlink, target: /lib64, link: usr/lib64}
  - {type: proc}
  - {type: sysfs}
  - {type: dev}
  - {type: mqueue}
  - {type: devpts, target: /pts2}
  - {type: bind, source: $m/f.txt, target: /etc/f.txt, readonly: true}
  - {type: bind, source: $m, target: /mt, noexec: true, nosuid: true, nodev: true, recursive: false}
  - {type: tmpfs, target: /tmp, size: 1Mi, mode: "0700", noexec: true}
  - {type: dir, target: /a/b/c, mode: "0711"}
  - {type: file, target: /a/b/c/x, content: "xyz", mode: "0600"}
process:
  args: [/bin/sh, -c, 'cat /etc/f.txt; for t in /sys /dev/mqueue /pts2 /mt /tmp; do echo "\$t \$(findmnt -n -o FSTYPE,OPTIONS \$t)"; done; stat -c "%a %s %n" /a/b/c /a/b/c/x; ls /dev; echo "keys: \$(wc -c </proc/keys)"; touch /proc/acpi/x 2>&1; (echo x >/proc/sys/kernel/hostname) 2>&1; echo "firmware: \$(ls /sys/firmware | wc -l)"; exit 0']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "every mount type: bind (file, flags), tmpfs, proc, sysfs, dev, devpts, mqueue, dir, file, symlink"
    run_as "$s"; want_rc 0
    want_out_has hello-file
    want "sysfs read-only" grep -qE '^/sys sysfs +ro,' <<<"$OUT"
    want "mqueue" grep -qE '^/dev/mqueue mqueue ' <<<"$OUT"
    want "devpts newinstance" grep -qE '^/pts2 devpts .*ptmxmode=666' <<<"$OUT"
    want "bind flags" grep -qE '^/mt .*nosuid,nodev,noexec' <<<"$OUT"
    want "tmpfs options" grep -qE '^/tmp tmpfs .*noexec.*size=1024k,mode=700' <<<"$OUT"
    want_out_has "711 60 /a/b/c"; want_out_has "600 3 /a/b/c/x"
    want "minimal /dev" grep -qx urandom <<<"$OUT"
    want "/proc/keys masked (reads as /dev/null)" grep -qx "keys: 0" <<<"$OUT"
    want "/proc/acpi masked (an empty read-only tmpfs)" grep -q "/proc/acpi/x.*Read-only file system" <<<"$OUT"
    want "/proc/sys read-only" grep -q "/proc/sys/kernel/hostname: Read-only file system" <<<"$OUT"
    want "/sys/firmware masked (empty)" grep -qx "firmware: 0" <<<"$OUT"
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

t_missing_source() {
    local s line
    s=$(spec missing <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: bind, source: /nonexistent-nsspec-src, target: /src}
process:
  args: [/bin/true]
  env: {PATH: /usr/bin:/bin}
EOF
)
    line=$(line_of "$s" /nonexistent-nsspec-src)
    begin "missing bind source: 125 at its spec line"
    run_as "$s"; want_rc 125
    want_err_has "$s:$line:"; want_err_has /nonexistent-nsspec-src
    end_case

    sed 's|target: /src}|target: /src, optional: true}|' "$s" >"$D/missing-optional.yaml"; chmod 644 "$D/missing-optional.yaml"
    begin "missing bind source with optional: true is skipped"
    run_as "$D/missing-optional.yaml"; want_rc 0
    end_case
}

# /tmp entries (minus this suite's dir and Swift test scratch dirs, which concurrent builds make)
tmp_listing() { ls -A /tmp | grep -vx -e "$(basename "$T")" -e 'TemporaryDirectory\..*' | sort; }

t_leftovers() {
    local s line kind before_m after_m before_t after_t missing exec
    missing=$(spec leftover-missing <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: bind, source: /nonexistent-nsspec-src, target: /src}
process:
  args: [/bin/true]
  env: {PATH: /usr/bin:/bin}
EOF
)
    exec=$(spec leftover-exec <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
process:
  args: [/nonexistent/cmd]
  env: {PATH: /usr/bin:/bin}
EOF
)
    s=$(spec mount-fails <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
  - {type: file, target: /f, content: "not a directory\n"}
  - {type: tmpfs, target: /f/sub}
process:
  args: [/bin/true]
  env: {PATH: /usr/bin:/bin}
EOF
)
    line=$(line_of "$s" "target: /f/sub")
    begin "a mount that fails inside the sandbox: 125 at its spec line"
    run_as "$s"; want_rc 125; want_err_has "$s:$line:"
    end_case

    for kind in missing mount-fails exec-fails; do
        begin "no leftovers after a failing run ($kind)"
        before_m=$(run_cmd_quiet cat /proc/self/mountinfo | wc -l); before_t=$(tmp_listing)
        case $kind in
            missing)     run_as "$missing"; want_rc 125 ;;
            mount-fails) run_as "$s"; want_rc 125 ;;
            exec-fails)  run_as "$exec"; want_rc 127 ;;
        esac
        after_m=$(run_cmd_quiet cat /proc/self/mountinfo | wc -l); after_t=$(tmp_listing)
        [ "$before_m" = "$after_m" ] || problem "the caller's mount table changed: $before_m -> $after_m lines"
        [ "$before_t" = "$after_t" ] || problem "/tmp changed: $(diff <(echo "$before_t") <(echo "$after_t") | grep '^[<>]' | tr '\n' ' ')"
        end_case
    done
}

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

# ---------------------------------------------------------------------------------------------
# Joining namespaces by path: the fork path (a child enters them one by one, then makes PID 1
# with clone(CLONE_PARENT) and exits), which the all-new specs above never take.
t_join() {
    local s helper net uts hostpid user=""
    # The namespaces to join belong to a helper the caller starts: as root, plain net and uts
    # namespaces; rootless, a user namespace of the caller's own with them (joining needs
    # CAP_SYS_ADMIN over a namespace, which the owner of its user namespace has).
    if [ "$MODE" = rootless ]; then
        "${PREFIX[@]}" unshare --user --map-root-user --net --uts sh -c 'hostname joined-box; exec sleep 30' &
    else
        unshare --net --uts sh -c 'hostname joined-box; exec sleep 30' &
    fi
    helper=$!
    for _ in $(seq 200); do
        helper=$(pgrep -f "^sleep 30$" -n -P "$(pgrep -P $$ -n)" 2>/dev/null || echo "$helper")
        [ "$(readlink /proc/$helper/ns/uts 2>/dev/null)" != "$(readlink /proc/self/ns/uts)" ] && break; sleep 0.01
    done
    net=$(readlink /proc/$helper/ns/net) uts=$(readlink /proc/$helper/ns/uts) hostpid=$(readlink /proc/self/ns/pid)
    [ "$MODE" = rootless ] && user="{type: user, path: /proc/$helper/ns/user}, "
    s=$(spec join <<EOF
version: 1
namespaces: [${user}mount, pid, {type: net, path: /proc/$helper/ns/net}, {type: uts, path: /proc/$helper/ns/uts}]
mounts:
  - {type: proc}
process:
  args: [/bin/sh, -c, 'readlink /proc/self/ns/net /proc/self/ns/uts /proc/self/ns/pid; hostname; cat /proc/1/comm; exit 3']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "joined net and uts, new pid and mount: PID 1 made by the child, the process's status returned"
    run_as "$s"; want_rc 3
    want_out_has "$net"; want_out_has "$uts"; want_out_has "joined-box"
    grep -q "^pid:" <<<"$OUT" && ! grep -qF "$hostpid" <<<"$OUT" || problem "expected a new pid namespace (host $hostpid)"
    want_out_has "nsspec"
    [ -z "$(pgrep -P $$ -x nsspec)" ] || problem "an nsspec process is left"
    end_case
    kill "$helper" 2>/dev/null; wait 2>/dev/null
}

# ---------------------------------------------------------------------------------------------
# veth. Every case makes its own throwaway network namespace with `ip netns add`, which plays the
# host: nsspec runs inside it (ip netns exec), so both ends of every pair live in namespaces this
# suite made, and every address exists only there. The machine's own network is never touched.
NETNS_MADE=()
new_netns() {
    local n=nsspec-it-$$-${#NETNS_MADE[@]}
    ip netns add "$n" && ip -n "$n" link set lo up && NETNS_MADE+=("$n") && NS=$n
}
drop_netns() { ip netns del "$NS" 2>/dev/null; }
# run_in_ns CMD...: run_cmd inside the throwaway namespace (as the mode's caller)
run_in_ns() { local saved=("${PREFIX[@]}"); PREFIX=(ip netns exec "$NS" "${saved[@]}"); run_cmd "$@"; PREFIX=("${saved[@]}"); }
# the links of the throwaway namespace, one name per line (without @peer)
ns_links() { ip -n "$NS" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort; }
# wait_links_gone: the namespace's links are back to lo only within 2 s (the host end of a pair
# dies with the sandbox's namespace, which the kernel tears down asynchronously)
wait_links_gone() {
    local i; for i in $(seq 200); do [ "$(ns_links)" = lo ] && return 0; sleep 0.01; done
    problem "left in the throwaway host namespace after the run: $(ns_links | tr '\n' ' ')"
}

VETH_SPEC_HEAD='version: 1
namespaces: [user, mount, uts, ipc, pid, net]
hostname: veth-test'

t_network() {
    local s before after server
    if ! command -v ip >/dev/null; then skip "veth" "ip (iproute2) is not installed"; return; fi
    s=$(spec veth-full <<EOF
$VETH_SPEC_HEAD
network:
  veth:
    - name: eth0
      address: [10.250.0.2/30, "fd00:250::2/64"]
      gateway: 10.250.0.1
      routes: [{to: 10.96.0.0/12, via: 10.250.0.1}, {to: "fd00:96::/48", via: "fd00:250::1"}]
      mtu: 1400
      mac: "02:00:0a:fa:00:02"
      host: {name: nsspec-it0, address: [10.250.0.1/30, "fd00:250::1/64"]}
    - name: eth1
      address: 10.251.0.2/24
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'ip -o link show eth0; ip -br addr show eth0; ip -br addr show eth1; ip route; ip -6 route; sleep 1']
  env: {PATH: /usr/sbin:/usr/bin:/sbin:/bin}
EOF
)
    if [ "$MODE" = rootless ]; then
        begin "veth as an unprivileged user: the CAP_NET_ADMIN error, nothing made"
        new_netns || { skip "$CASE" "ip netns add failed"; return; }
        before=$(ns_links)
        run_in_ns "$NSSPEC" run "$s"; want_rc 125
        want_err_has "a veth needs CAP_NET_ADMIN in the host's network namespace, where its host end is made, and uid $CUID does not have it"
        want_err_has "$s:$(line_of "$s" "- name: eth0"):"
        [ "$(ns_links)" = "$before" ] || problem "links changed: $(ns_links | tr '\n' ' ')"
        drop_netns; end_case
        return
    fi

    begin "veth: names, addresses, MTU, MAC and routes inside; the host end outside"
    new_netns || { skip "$CASE" "ip netns add failed"; return; }
    ( sleep 0.5; ip -n "$NS" -o link show nsspec-it0; ip -n "$NS" -br addr show nsspec-it0 ) >"$T/cap/host" 2>&1 &
    run_in_ns "$NSSPEC" run "$s"; want_rc 0
    wait
    want_out_has "eth0@"; want_out_has "mtu 1400"; want_out_has "link/ether 02:00:0a:fa:00:02"
    grep -Eq '^eth0@[^ ]+ +UP +10\.250\.0\.2/30 fd00:250::2/64' <<<"$OUT" || problem "eth0 is not UP with 10.250.0.2/30 fd00:250::2/64"
    grep -Eq '^eth1@[^ ]+ +[A-Z]+ +10\.251\.0\.2/24' <<<"$OUT" || problem "eth1 lacks 10.251.0.2/24"
    want_out_has "default via 10.250.0.1 dev eth0"; want_out_has "10.96.0.0/12 via 10.250.0.1 dev eth0"
    want_out_has "fd00:96::/48 via fd00:250::1 dev eth0"
    grep -q "mtu 1400" "$T/cap/host" || problem "host end: no mtu 1400 in: $(cat "$T/cap/host")"
    grep -q "alias nsspec pid" "$T/cap/host" || problem "host end: no nsspec alias in: $(cat "$T/cap/host")"
    grep -Eq 'nsspec-it0@[^ ]+ +UP +10\.250\.0\.1/30 fd00:250::1/64' "$T/cap/host" || problem "host end: not UP with its addresses: $(cat "$T/cap/host")"
    wait_links_gone
    drop_netns; end_case

    begin "veth: a TCP round trip over IPv4 and IPv6"
    new_netns || { skip "$CASE" "ip netns add failed"; return; }
    s=$(spec veth-tcp <<EOF
$VETH_SPEC_HEAD
network:
  veth:
    - {name: eth0, address: [10.250.0.2/30, "fd00:250::2/64"], gateway: 10.250.0.1,
       host: {name: nsspec-it0, address: [10.250.0.1/30, "fd00:250::1/64"]}}
$STD_ROOT
process:
  args:
    - /usr/bin/python3
    - -c
    - |
      import socket
      for family, host in ((socket.AF_INET, "10.250.0.1"), (socket.AF_INET6, "fd00:250::1")):
          c = socket.socket(family, socket.SOCK_STREAM); c.settimeout(5); c.connect((host, 7777))
          c.sendall(b"ping " + host.encode()); print(c.recv(100).decode()); c.close()
EOF
)
    # the echo server listens on every address of the throwaway namespace, for two connections
    ip netns exec "$NS" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 7777)); s.listen(2); s.settimeout(15); print("ready", flush=True)
for _ in range(2):
    c, a = s.accept(); c.sendall(b"echo: " + c.recv(100)); c.close()
' >"$T/cap/server" 2>&1 &
    server=$!
    for _ in $(seq 100); do grep -q ready "$T/cap/server" && break; sleep 0.02; done
    run_in_ns "$NSSPEC" run "$s"; want_rc 0
    want_out "echo: ping 10.250.0.1
echo: ping fd00:250::1"
    wait "$server" || problem "the echo server failed: $(cat "$T/cap/server")"
    wait_links_gone
    drop_netns; end_case

    begin "veth: a host name that exists is an error at its line, the interface untouched"
    new_netns || { skip "$CASE" "ip netns add failed"; return; }
    ip -n "$NS" link add nsspec-it0 type bridge && ip -n "$NS" addr add 10.9.9.9/32 dev nsspec-it0
    before=$(ip -n "$NS" -d addr show nsspec-it0)
    run_in_ns "$NSSPEC" run "$s"; want_rc 125
    want_err_has "$s:$(line_of "$s" "host: {name: nsspec-it0"):"
    want_err_has "a bridge interface named nsspec-it0 already exists on the host"
    after=$(ip -n "$NS" -d addr show nsspec-it0)
    [ "$before" = "$after" ] || problem "the existing interface changed: $(diff <(echo "$before") <(echo "$after") | tr '\n' ' ')"
    [ "$(ns_links)" = "$(printf 'lo\nnsspec-it0')" ] || problem "links: $(ns_links | tr '\n' ' ')"
    drop_netns; end_case

    begin "veth: back-to-back runs (the last run's host end is still being removed)"
    new_netns || { skip "$CASE" "ip netns add failed"; return; }
    s=$(spec veth-quick <<EOF
$VETH_SPEC_HEAD
network:
  veth:
    - {name: eth0, address: 10.250.0.2/30, host: {name: nsspec-it0, address: 10.250.0.1/30}}
process: {args: [/bin/true]}
EOF
)
    for _ in 1 2 3 4 5; do run_in_ns "$NSSPEC" run "$s"; want_rc 0; done
    wait_links_gone
    drop_netns; end_case

    for kind in route exec; do
        begin "veth: a failure after the pair exists ($kind) leaves no interface, at once"
        new_netns || { skip "$CASE" "ip netns add failed"; return; }
        if [ "$kind" = route ]; then
            # the subnet's own route exists once the address is added: EEXIST from the kernel
            s=$(spec veth-fails <<EOF
$VETH_SPEC_HEAD
network:
  veth:
    - name: eth0
      address: 10.250.0.2/30
      routes: [{to: 10.250.0.0/30}]
      host: {name: nsspec-it0, address: 10.250.0.1/30}
process: {args: [/bin/true]}
EOF
)
            run_in_ns "$NSSPEC" run "$s"; want_rc 125
            want_err_has "$s:$(line_of "$s" "routes:"):"
            want_err_has "network: route 10.250.0.0/30 dev eth0: RTM_NEWROUTE eth0: File exists (EEXIST)"
            want_err_has "hint: the kernel has this route already: adding an address adds the route to its own subnet"
        else
            s=$(spec veth-exec <<EOF
$VETH_SPEC_HEAD
network:
  veth:
    - {name: eth0, address: 10.250.0.2/30, host: {name: nsspec-it0, address: 10.250.0.1/30}}
process: {args: [/nonexistent/cmd]}
EOF
)
            run_in_ns "$NSSPEC" run "$s"; want_rc 127
        fi
        [ "$(ns_links)" = lo ] || problem "left right after the run: $(ns_links | tr '\n' ' ')"
        drop_netns; end_case
    done

    begin "specs/veth.yaml: ip -br addr and ip route show what the spec says"
    new_netns || { skip "$CASE" "ip netns add failed"; return; }
    run_in_ns "$NSSPEC" run "$REPO/specs/veth.yaml"; want_rc 0
    grep -Eq '^eth0@[^ ]+ +UP +10\.250\.0\.2/30 fd00:250::2/64' <<<"$OUT" || problem "eth0 is not UP with its addresses"
    want_out_has "default via 10.250.0.1 dev eth0"; want_out_has "10.96.0.0/12 via 10.250.0.1 dev eth0"
    wait_links_gone
    drop_netns; end_case
}

# ---------------------------------------------------------------------------------------------
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

# ---------------------------------------------------------------------------------------------
# The caller's keys (trust): the sandbox joins a session keyring of its own, so a key the caller
# holds in its session keyring is out of reach. The control is the same read by the caller,
# which possesses the key and reads it.
t_keyring() {
    local s caller inside key
    cp "$REPO/Tests/integration/keyring.py" "$D/keyring.py"; chmod 644 "$D/keyring.py"
    s=$(spec keyring <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: bind, source: $D/keyring.py, target: /keyring.py, readonly: true}
process:
  env: {PATH: /usr/bin:/bin}
  seccomp: unconfined   # keyctl, to look: the default profile refuses it
EOF
)
    begin "keyring: the caller's session keyring and its keys are out of the sandbox's reach"
    run_cmd /usr/bin/python3 "$D/keyring.py" outer /bin/sh -c "exec \"\$0\" run \"\$1\" -- /usr/bin/python3 /keyring.py inner \"\$NSSPEC_TEST_KEY\"" "$NSSPEC" "$s"
    want_rc 0
    caller=$(grep '^caller ' <<<"$OUT") inside=$(grep '^inside ' <<<"$OUT")
    want "control: the caller reads its own key" grep -q ' read:s3cret$' <<<"$caller"
    want "inside, the caller's session keyring is not the sandbox's" [ "$(cut -d' ' -f2 <<<"$caller")" != "$(cut -d' ' -f2 <<<"$inside")" ]
    want "inside, the caller's key is readable: $inside" grep -Eq ' (EACCES|ENOKEY|EKEYREVOKED)$' <<<"$inside"
    end_case
}

# ---------------------------------------------------------------------------------------------
# The default seccomp profile (trust): each attack from inside a real sandbox, with the errno the
# filter gives, next to the same probes with `seccomp: unconfined`, where the kernel answers
# something else (each probe is built so) — so the test fails if the filter does nothing.
ATTACK_SPEC_HEAD='version: 1
namespaces: [user, mount, uts, ipc, pid]'
attack_spec() {  # attack_spec NAME PROCESS-YAML-LINES
    cp "$REPO/Tests/integration/attacks.py" "$D/attacks.py"; chmod 644 "$D/attacks.py"
    spec "$1" <<EOF
$ATTACK_SPEC_HEAD
$STD_ROOT
  - {type: bind, source: $D/attacks.py, target: /attacks.py, readonly: true}
  - {type: tmpfs, target: /tmp}
  - {type: dev}
  - {type: proc}
process:
  args: [/usr/bin/python3, /attacks.py]
  env: {PATH: /usr/bin:/bin}
$2
EOF
}
ATTACKS="keyctl add_key bpf perf_event_open userfaultfd io_uring_setup unshare-user mount setns ptrace socket-vsock tiocsti tiocsti-high-bits tioclinux"
t_seccomp() {
    local s u a got
    s=$(attack_spec seccomp-default "")
    begin "seccomp default: the attacks fail with EPERM, clone3 with ENOSYS; uname works"
    run_as "$s"; want_rc 0
    for a in $ATTACKS; do want_out_has "$a EPERM"; done
    want_out_has "clone3 ENOSYS"; want_out_has "uname ok"
    end_case

    u=$(attack_spec seccomp-unconfined "  seccomp: unconfined")
    begin "seccomp unconfined (control): the same calls reach the kernel"
    run_as "$u"; want_rc 0
    for a in $ATTACKS; do
        got=$(grep "^$a " <<<"$OUT" | cut -d' ' -f2)
        [ -n "$got" ] && [ "$got" != EPERM ] || problem "$a gave '${got:-nothing}' unconfined (expected the kernel's own answer)"
    done
    got=$(grep "^clone3 " <<<"$OUT" | cut -d' ' -f2); [ "$got" != ENOSYS ] || problem "clone3 gave ENOSYS unconfined"
    end_case

    s=$(attack_spec seccomp-deny-uname "  seccomp: {deny: [uname]}")
    begin "seccomp {deny: [uname]}: uname fails with EPERM, the rest as the default profile"
    run_as "$s" -- /bin/sh -c 'uname; echo "uname: $?"; python3 /attacks.py keyctl'
    want "uname's error is not 'Operation not permitted'" grep -q "Operation not permitted" <<<"$ERR"
    want_out_has "uname: 1"; want_out_has "keyctl EPERM"
    end_case

    s=$(attack_spec seccomp-nested "  nestedNamespaces: true")
    begin "seccomp nestedNamespaces: unshare(CLONE_NEWUSER) and setns reach the kernel; mount still EPERM"
    run_as "$s" -- /usr/bin/python3 /attacks.py unshare-user setns mount clone3
    want_rc 0; want_out_has "unshare-user ok"; want_out_has "setns EBADF"; want_out_has "mount EPERM"
    grep -q "^clone3 ENOSYS" <<<"$OUT" && problem "clone3 is still ENOSYS with nestedNamespaces"
    end_case

    s=$(attack_spec seccomp-admin "  capabilities: [CAP_SYS_ADMIN]")
    begin "seccomp with CAP_SYS_ADMIN kept: mount reaches the kernel (ENOENT: no such target)"
    run_as "$s" -- /usr/bin/python3 /attacks.py mount
    want_rc 0; want_out_has "mount ENOENT"
    end_case

    # Ordinary programs under the default profile.
    s=$(attack_spec seccomp-programs "")
    begin "seccomp default: a shell pipeline, Python threads, gcc and make work"
    if ! command -v gcc >/dev/null || ! command -v make >/dev/null; then skip "$CASE" "gcc or make is not installed"; else
        run_as "$s" -- /bin/sh -c '
            set -e
            echo one two | tr a-z A-Z | grep -q "ONE TWO"
            python3 -c "import threading; r=[]; t=[threading.Thread(target=r.append, args=(i,)) for i in range(8)]; [x.start() for x in t]; [x.join() for x in t]; print(\"threads\", len(r))"
            cd /tmp && printf "#include <stdio.h>\nint main(void){puts(\"built and ran\");return 0;}\n" > hello.c
            printf "hello: hello.c\n\tgcc -O2 -o hello hello.c\n" > Makefile
            make -s && ./hello'
        want_rc 0; want_out_has "threads 8"; want_out_has "built and ran"
        end_case
    fi
}

# ---------------------------------------------------------------------------------------------
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

# ---------------------------------------------------------------------------------------------
# Host paths are resolved on the host: an absolute symlink as a bind source (as /etc/localtime
# is) names the host's file, and a `..` in root.path can never reach nsspec's staging area
# (where the host's whole root sits at /oldroot).
t_host_paths() {
    local s
    mkdir -p "$D/hp"; echo host-target >"$D/hp/target.txt"; ln -sfn "$D/hp/target.txt" "$D/hp/abs-link"; chmod -R a+rX "$D/hp"
    s=$(spec abs-link-source <<EOF
version: 1
namespaces: [user, mount, pid]
$STD_ROOT
  - {type: bind, source: $D/hp/abs-link, target: /linked.txt, readonly: true}
process:
  args: [/bin/cat, /linked.txt]
EOF
)
    begin "an absolute symlink as a bind source is resolved on the host"
    run_as "$s"; want_rc 0; want_out_has host-target
    end_case
    s=$(spec dotdot-root <<EOF
version: 1
namespaces: [user, mount, pid]
root: {path: /.., readonly: true}
mounts:
  - {type: proc}
process:
  args: [/bin/sh, -c, 'test -e /oldroot && echo "oldroot is visible"; test -d /usr/bin && echo "host root"']
EOF
)
    begin "a .. in root.path is resolved on the host: /.. is the host's root, not the staging area"
    run_as "$s"; want_rc 0; want_out_has "host root"
    grep -q "oldroot is visible" <<<"$OUT" && problem "the staging area's /oldroot is visible inside"
    end_case
}

# ---------------------------------------------------------------------------------------------
CASES=(t_namespaces t_uts t_maps t_readonly t_tmpfs t_proc t_pivot_root t_capabilities t_fds
       t_env t_exit_codes t_sigchld_ignored t_sigterm t_orphans t_mount_types t_symlink_escape t_directory_root t_cwd_escape t_host_paths t_init_hardening t_die_with_parent
       t_missing_source t_leftovers t_join t_no_clone3 t_keyring t_seccomp t_network t_examples t_plan)
ONLY=${ONLY:-}    # e.g. ONLY=t_maps,t_env to run some groups

echo "nsspec: $NSSPEC_BIN (copied to $NSSPEC); kernel $(uname -r)"
for mode in root rootless; do
    MODE=$mode
    if [ "$mode" = rootless ] && [ "$HAVE_USER" = 0 ]; then
        skip "all cases" "user $TEST_USER does not exist (run Tests/integration/setup.sh)"; continue
    fi
    set_mode "$mode"
    for c in "${CASES[@]}"; do
        [ -z "$ONLY" ] || [[ ",$ONLY," == *",$c,"* ]] || continue
        "$c"
    done
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
