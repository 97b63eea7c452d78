#!/usr/bin/env python3
"""Drives a command through a terminal of its own, as a user at a terminal would (areas/terminal.sh).

  ptydrive.py [--size ROWS,COLS] SCRIPT -- CMD...      the script, a file, one action a line:
    send TEXT        type TEXT (\\n, \\r, \\t and \\xNN escapes)
    ctrl X           type Ctrl-X (C, Z, \\, D)
    expect TEXT      wait (10 s) until TEXT has been output since the last expect; else EXPECT-FAILED
    resize R C       resize the terminal (the kernel signals SIGWINCH to its foreground group)
    signal NAME      send signal NAME to the command (nsspec)
    killpid FILE NAME  send NAME to the pid written in FILE
    pkill PATTERN NAME  send NAME to the processes whose command line matches PATTERN (pkill -f)
    sleep S          wait S seconds (reading output meanwhile)
    paste N          type N bytes of 64-byte lines as fast as the terminal takes them
  then waits (20 s) for the command to end and prints:
    status N         its exit status (128+N for signal N)
    same-termios yes|no  the terminal's attributes (stty -a) as before the command
    pending N        bytes waiting in the terminal's input queue (what TIOCSTI would have pushed)
    output-bytes N, a-run N   output size; the longest run of 'a' (for the large-output case)
  and the output itself after a line "--- output".
"""
import fcntl, os, select, signal, struct, sys, termios, time

def main():
    args = sys.argv[1:]
    size = (24, 80)
    if args[:1] == ["--size"]:
        r, c = args[1].split(","); size = (int(r), int(c)); args = args[2:]
    script = open(args[0]).read().splitlines()
    args = args[1:]
    if args[:1] == ["--"]: args = args[1:]
    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    before = termios.tcgetattr(slave)
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2): os.dup2(slave, fd)
        if slave > 2: os.close(slave)
        os.execvp(args[0], args)
    out = bytearray()
    mark = 0
    status = None

    def pump(seconds):
        nonlocal status
        end = time.time() + seconds
        while time.time() < end:
            r, _, _ = select.select([master], [], [], 0.05)
            if r:
                try:
                    data = os.read(master, 1 << 16)
                except OSError:
                    data = b""
                out.extend(data)
            if status is None:
                p, st = os.waitpid(pid, os.WNOHANG)
                if p == pid: status = os.waitstatus_to_exitcode(st)
            if status is not None and not r: return

    def unescape(t):
        return t.encode().decode("unicode_escape").encode("latin-1")

    for line in script:
        if not line.strip(): continue
        word, _, rest = line.partition(" ")
        if word == "send": os.write(master, unescape(rest))
        elif word == "ctrl": os.write(master, bytes([ord(rest.strip().upper()) & 0x1F if rest.strip() != "\\\\" else 0x1C]))
        elif word == "expect":
            end = time.time() + 10
            want = unescape(rest)
            while want not in out[mark:] and time.time() < end and status is None: pump(0.1)
            if want not in out[mark:]: print("EXPECT-FAILED " + rest, flush=True)
            else: mark = out.index(want, mark) + len(want)
        elif word == "resize":
            r, c = rest.split()
            fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", int(r), int(c), 0, 0))
        elif word == "signal": os.kill(pid, getattr(signal, rest.strip()))
        elif word == "pkill":
            pattern, name = rest.rsplit(" ", 1)
            os.system(f"pkill -{name[3:] if name.startswith('SIG') else name} -f '{pattern}'")
        elif word == "killpid":
            f, name = rest.split()
            end = time.time() + 5
            while not (os.path.exists(f) and open(f).read().strip()) and time.time() < end: pump(0.05)
            os.kill(int(open(f).read().split()[0]), getattr(signal, name))
        elif word == "sleep": pump(float(rest))
        elif word == "paste":
            # N bytes of 64-byte lines, written as fast as the terminal takes them (output read meanwhile)
            data = (b"x" * 63 + b"\n") * (int(rest) // 64)
            while data:
                _, w, _ = select.select([], [master], [], 0.05)
                if w: data = data[os.write(master, data[:4096]):]
                pump(0)
    end = time.time() + 20
    while status is None and time.time() < end: pump(0.1)
    pump(0.2)
    if status is None:
        os.kill(pid, signal.SIGKILL); os.waitpid(pid, 0); status = "timeout"
    pending = struct.unpack("i", fcntl.ioctl(slave, termios.FIONREAD, b"\0\0\0\0"))[0]
    run = best = 0
    for b in out:
        run = run + 1 if b == 0x61 else 0
        best = max(best, run)
    print(f"status {status}")
    print(f"same-termios {'yes' if termios.tcgetattr(slave) == before else 'no'}")
    print(f"pending {pending}")
    print(f"output-bytes {len(out)}")
    print(f"a-run {best}")
    print("--- output")
    sys.stdout.write(out.decode(errors="replace"))

main()
