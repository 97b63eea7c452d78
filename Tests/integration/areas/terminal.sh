# shellcheck shell=bash
# Area "terminal" of Tests/integration/run.sh (AREAS=terminal runs only it): process.terminal.
# nsspec is driven through a terminal of its own (ptydrive.py: a pty, as a user at a terminal):
# the sandbox gets a pty of its own devpts, nsspec relays it; job control, Ctrl-C, Ctrl-Z, resizes,
# exit statuses, large output, the caller's terminal as it was after every way out, and TIOCSTI
# from inside kept from the caller's terminal (next to the control that reaches it).

CASES+=(t_terminal_shell t_terminal_signals t_terminal_output t_terminal_input t_terminal_restore t_terminal_tiocsti t_terminal_kinds)

cp "$REPO/Tests/integration/ptydrive.py" "$T/bin/ptydrive.py" && chmod 755 "$T/bin/ptydrive.py"

# drive SCRIPT_TEXT SPEC [-- CMD...]: nsspec run SPEC through a 30x100 terminal, the script's
# actions one a line (ptydrive.py); OUT has the driver's report and the output
drive() {
    local text=$1 spec=$2; shift 2
    printf '%s\n' "$text" >"$D/drive.script"; chmod 644 "$D/drive.script"
    run_cmd "$PY" "$T/bin/ptydrive.py" --size 30,100 "$D/drive.script" -- "$NSSPEC" run "$spec" "$@"
}
want_no_expect_failed() { ! grep -q '^EXPECT-FAILED' <<<"$OUT" || problem "$(grep '^EXPECT-FAILED' <<<"$OUT" | head -3 | tr '\n' ';')"; }

t_terminal_shell() {
    local s
    s=$(fixture terminal/shell)
    begin "a terminal of the sandbox's own: tty is a /dev/pts/N of its devpts, stty size follows the caller's, exit 3 returns 3"
    drive 'expect box$ 
send tty; stat -c "%d" $(tty) /dev/pts/ptmx | uniq | wc -l; stty size\n
expect box$ 
resize 40 120
sleep 0.3
send stty size\n
expect 40 120
send exit 3\n' "$s"
    want_no_expect_failed
    want_out_has "status 3"; want_out_has "/dev/pts/0"; want_out_has "30 100"; want_out_has "40 120"
    grep -q $'^1\r$' <<<"$OUT" || problem "the tty and /dev/pts/ptmx are not of one devpts"
    end_case

    begin "job control: sleep & and jobs, Ctrl-Z stops the foreground job, bg resumes it"
    drive 'expect box$ 
send sleep 100 &\n
expect box$ 
send jobs\n
expect Running
send sleep 101\n
sleep 0.3
ctrl Z
expect Stopped
send bg\n
expect box$ 
send jobs\n
expect box$ 
send fg %2\n
expect sleep 101
sleep 0.3
ctrl C
expect box$ 
send jobs; echo jobs-$((3*3))\n
expect jobs-9
send exit\n' "$s"
    want_no_expect_failed
    want_out_has "status 0"; want_out_has "sleep 101 &"
    want_out_has "[2]+  Running                 sleep 101 &"
    end_case
}

t_terminal_signals() {
    local s
    s=$(fixture terminal/shell)
    begin "Ctrl-C during sleep: bash's prompt comes back and the shell lives on"
    drive 'expect box$ 
send sleep 100\n
sleep 0.3
ctrl C
expect box$ 
send echo alive-$((6*7))\n
expect alive-42
send exit 0\n' "$s"
    want_no_expect_failed; want_out_has "status 0"
    end_case

    begin "Ctrl-C to a foreground make running sleep interrupts both"
    drive 'expect box$ 
send make -f /work/Makefile\n
sleep 0.3
ctrl C
expect box$ 
send sleep 0.5; echo alive-$((6*7))\n
expect alive-42
send exit 0\n' "$s"
    want_no_expect_failed; want_out_lacks "after-100"; want_out_has "status 0"
    end_case
}

t_terminal_output() {
    local s
    s=$(fixture terminal/shell)
    begin "10 MB of output arrives whole through the relay"
    drive 'expect box$ 
send head -c 10000000 /dev/zero | tr "\\0" a; echo; echo done-$((1+1))\n
expect done-2
send exit 0\n' "$s"
    want_no_expect_failed; want_out_has "status 0"; want_out_has "a-run 10000000"
    end_case
}

t_terminal_input() {
    local s
    s=$(fixture terminal/shell)
    begin "a 256 KB paste arrives whole, and Ctrl-D is end of file for the program reading"
    drive 'expect box$ 
send stty -echo; head -c 262144 > /tmp/in; stty echo; echo got-$(wc -c < /tmp/in)\n
sleep 0.3
paste 262144
expect got-262144
send cat > /tmp/typed\n
sleep 0.3
send typed-line\n
ctrl D
expect box$ 
send cat /tmp/typed; echo done-$((5*5))\n
expect done-25
send exit 0\n' "$s"
    want_no_expect_failed; want_out_has "status 0"
    end_case
}

t_terminal_restore() {
    local s
    s=$(fixture terminal/shell)
    begin "the caller's terminal is as it was after the run (stty -a), after a normal exit"
    drive 'expect box$ 
send exit 0\n' "$s"
    want_out_has "status 0"; want_out_has "same-termios yes"
    end_case

    begin "... after kill -9 of the sandbox's process (from the host)"
    drive "expect box\$ 
send exec sleep 31.$$\\n
sleep 0.5
pkill ^sleep 31.$$ SIGKILL" "$s"
    want_out_has "status 137"; want_out_has "same-termios yes"
    end_case

    begin "... after SIGTERM to nsspec (passed on to the process)"
    drive 'sleep 0.5
signal SIGTERM' "$s" -- /bin/sleep 100
    want_out_has "status 143"; want_out_has "same-termios yes"
    end_case

    begin "... after SIGHUP to nsspec (passed on to the process)"
    drive 'sleep 0.5
signal SIGHUP' "$s" -- /bin/sleep 100
    want_out_has "status 129"; want_out_has "same-termios yes"
    end_case

    begin "... after a failure in the sandbox once the terminal is up (no such command: 127)"
    drive 'sleep 0.3' "$s" -- /nonexistent-command
    want_out_has "status 127"; want_out_has "same-termios yes"
    want_out_has "error: process: posix_spawn /nonexistent-command: No such file or directory (ENOENT)"
    end_case

    s=$(fixture terminal/interp-missing)
    begin "... after an exec whose #! interpreter is missing, in the fork that took the pty (127, the interpreter named)"
    drive 'sleep 0.3' "$s"
    want_out_has "status 127"; want_out_has "same-termios yes"
    want_out_has "error: process: /run.sh exists but its #! interpreter /nonexistent-sh is not in the sandbox: No such file or directory (ENOENT)"
    end_case
}

t_terminal_tiocsti() {
    local s attack
    s=$(fixture terminal/shell-unconfined)
    attack='import fcntl, termios
for c in b"echo PWNED\n": fcntl.ioctl(0, termios.TIOCSTI, bytes([c]))'
    printf '%s\n' "$attack" >"$D/tiocsti.py"; chmod 644 "$D/tiocsti.py"
    if [ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo 1)" = 0 ]; then
        skip "TIOCSTI" "dev.tty.legacy_tiocsti is 0 on this kernel: TIOCSTI is refused everywhere, the control cannot inject"
        return
    fi
    begin "control: a process holding the caller's terminal pushes input into it with TIOCSTI"
    printf 'sleep 1\n' >"$D/drive.script"; chmod 644 "$D/drive.script"
    run_cmd "$PY" "$T/bin/ptydrive.py" "$D/drive.script" -- /usr/bin/python3 "$D/tiocsti.py"
    grep -qE '^pending [1-9]' <<<"$OUT" || problem "the control pushed nothing into its terminal"
    end_case

    begin "TIOCSTI inside (filter off) reaches only the sandbox's own pty: nothing waits at the caller's terminal"
    cp "$D/tiocsti.py" "$D/tiocsti-in.py"
    drive "expect box\$ 
send /usr/bin/python3 -c 'exec(open(\"/dev/stdin\").read())' < /dev/null; /usr/bin/python3 -c 'import fcntl, termios; [fcntl.ioctl(0, termios.TIOCSTI, bytes([c])) for c in b\"echo PWNED-\$((1+2))\\\\n\"]'\\n
expect PWNED-3
send exit 0\\n" "$s"
    want_out_has "status 0"; want_out_has "pending 0"
    end_case
}

t_terminal_kinds() {
    local s kind
    for kind in noinit nopid; do
        s=$(fixture terminal/shell-$kind)
        begin "the exec path ($kind): the shell's own pty, job control, its status; the relay lasts as long as the shell"
        drive 'expect box$ 
send tty; sleep 100 &\n
expect box$ 
send jobs; echo j-$((2*4))\n
expect j-8
send sleep 50\n
sleep 0.3
ctrl C
expect box$ 
send exit 4\n' "$s"
        want_no_expect_failed; want_out_has "status 4"; want_out_has "/dev/pts/0"; want_out_has "Running"
        want_out_has "same-termios yes"
        end_case
    done

    s=$(fixture terminal/required)
    begin "terminal: true without a terminal on nsspec's side: an error before anything starts"
    run_as "$s"; want_rc 125
    want_err_has "process.terminal is true, but nsspec's standard input is not a terminal"
    end_case

    # fixture, what the case shows, what the output must hold (besides status 0)
    local kinds=(
        "private-devpts|no devpts in the table: the pty comes from a devpts of nsspec's own (a detached mount)|stdin-is-a-tty|30 100"
        "no-mount|a terminal without a mount namespace: a pty of the host's devpts|stdin-is-a-tty|/dev/pts/"
        "never|terminal: false from a terminal: no pty, no controlling terminal (today's behaviour)|No such device or address|"
    )
    local row name title want other
    for row in "${kinds[@]}"; do
        IFS='|' read -r name title want other <<<"$row"
        s=$(fixture "terminal/$name")
        begin "$title"
        drive 'sleep 0.2' "$s"
        want_out_has "status 0"; want_out_has "$want"
        [ -z "$other" ] || want_out_has "$other"
        end_case
    done

    s=$(fixture terminal/shell)
    begin "terminal: auto with standard input a pipe: no terminal, stdin passed through"
    run_cmd /bin/sh -c 'echo "tty; echo piped-\$((2+3))" | "$1" run "$2"' sh "$NSSPEC" "$s"
    want_out_has "not a tty"; want_out_has "piped-5"
    end_case
}
