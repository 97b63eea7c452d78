#!/usr/bin/env python3
"""The probes of the trust area (Tests/integration/areas/trust.sh) that shell cannot make: each
prints lines "NAME RESULT", where RESULT is "ok", an errno's name, or what was found.

  trust.py procfs             /proc and /sys: masked files read, read-only ones opened for
                              writing (never written), umount of a mask, a new proc mount
  trust.py exe                /proc/self/exe opened for writing (never written) and reading
  trust.py reopen FD IDLE [SECONDS]
                              (exe-attack.c's end) reopen the O_PATH fd FD for writing (again
                              while ETXTBSY, for SECONDS) and append a line; open IDLE, a copy
                              of the binary no process runs, for writing (never written)
  trust.py ptrace             every other pid: PTRACE_ATTACH, /proc/PID/environ, /proc/PID/mem;
                              one child of its own (sleep) is among them
  trust.py groups FILE        /proc/self/setgroups, setgroups([]), the groups, reading FILE
  trust.py open PATH...       read each PATH (its first line), then open it for writing (never
                              written)
  trust.py create PATH...     create each PATH (O_CREAT|O_EXCL), then remove it
  trust.py mount-wait TARGET DIR
                              mount a tmpfs at TARGET, create TARGET/on-tmpfs, print the
                              mountinfo line, create DIR/ready, wait (10 s at most) for DIR/go
  trust.py exchange FILE A B [A B]...
                              (on the host) swap each A with its B, renameat2(RENAME_EXCHANGE),
                              in a loop until FILE exists; prints the number of rounds
"""
import ctypes, errno, os, subprocess, sys, time

libc = ctypes.CDLL(None, use_errno=True)


def err(e):
    return errno.errorcode.get(e, str(e))


def attempt(fn):
    """ "ok" (or what fn returns) or the errno's name."""
    try:
        r = fn()
        return "ok" if r is None else r
    except OSError as e:
        return err(e.errno)


def read_all(path):
    with open(path, "rb") as f:
        data = f.read(4096)
    return "empty" if not data else "read:%d" % len(data)


def open_close(path, flags):
    os.close(os.open(path, flags))


def libc_call(name, *args):
    ctypes.set_errno(0)
    if getattr(libc, name)(*args) < 0:
        raise OSError(ctypes.get_errno(), name)


def procfs():
    for p in ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/acpi"]:
        if not os.path.lexists(p):
            print(p, "absent")
        elif os.path.isdir(p):
            print(p, attempt(lambda: "entries:%d" % len(os.listdir(p))))
        else:
            print(p, attempt(lambda: read_all(p)))
    if os.path.isdir("/sys/firmware"):
        print("/sys/firmware", attempt(lambda: "entries:%d" % len(os.listdir("/sys/firmware"))))
    else:
        print("/sys/firmware absent")
    # Opened for writing, never written: EROFS comes at open.
    for p in ["/proc/sysrq-trigger", "/proc/sys/kernel/domainname"]:
        print("open-write", p, "absent" if not os.path.lexists(p) else attempt(lambda: open_close(p, os.O_WRONLY)))
    # Unmask: umount the mask of /proc/keys (/proc/kcore is absent on many kernels), or mount a
    # proc of its own; then read /proc/keys again, which lists the session keyring at least.
    print("umount-mask", attempt(lambda: libc_call("umount2", b"/proc/keys", 0)))
    print("after-umount", attempt(lambda: read_all("/proc/keys")))
    os.makedirs("/tmp/newproc", exist_ok=True)
    print("mount-proc", attempt(lambda: libc_call("mount", b"proc", b"/tmp/newproc", b"proc", 0, None)))
    if os.path.exists("/tmp/newproc/keys"):
        print("new-proc-keys", attempt(lambda: read_all("/tmp/newproc/keys")))
    sys.stdout.flush()


def exe():
    print("exe-open-write", attempt(lambda: open_close("/proc/self/exe", os.O_WRONLY)))
    print("exe-open-read", attempt(lambda: open_close("/proc/self/exe", os.O_RDONLY)))


def reopen(fd, idle, seconds):
    """The end of exe-attack.c: FD is an O_PATH fd of the launcher's binary. Reopened for
    writing (tried again while ETXTBSY, for SECONDS), it gets a line appended (the case runs its
    own copy of the binary)."""
    def write():
        w = os.open("/proc/self/fd/%s" % fd, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(w, b"\nnsspec-trust-20\n")
        finally:
            os.close(w)
    deadline = time.time() + float(seconds)
    result = attempt(write)
    while result == "ETXTBSY" and time.time() < deadline:
        time.sleep(0.05)
        result = attempt(write)
    print("reopen-write", result, flush=True)
    print("idle-copy-open-write", attempt(lambda: open_close(idle, os.O_WRONLY)), flush=True)


PTRACE_ATTACH, PTRACE_DETACH = 16, 17


def ptrace():
    libc.ptrace.restype = ctypes.c_long
    child = subprocess.Popen(["/bin/sleep", "5"])
    time.sleep(0.05)
    me = os.getpid()
    for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
        if pid == me:
            continue
        try:
            comm = open("/proc/%d/comm" % pid).read().strip()
        except OSError:
            continue
        who = "own-child" if pid == child.pid else comm

        def attach():
            ctypes.set_errno(0)
            if libc.ptrace(ctypes.c_long(PTRACE_ATTACH), ctypes.c_long(pid), None, None) < 0:
                raise OSError(ctypes.get_errno(), "ptrace")
            os.waitpid(pid, 0)
            libc.ptrace(ctypes.c_long(PTRACE_DETACH), ctypes.c_long(pid), None, None)

        def mem():
            fd = os.open("/proc/%d/mem" % pid, os.O_RDONLY)
            os.close(fd)

        print("pid", pid, who, "attach", attempt(attach), "environ",
              attempt(lambda: read_all("/proc/%d/environ" % pid)), "mem", attempt(mem), flush=True)
    child.kill()
    child.wait()


def groups(path):
    print("setgroups-file", attempt(lambda: open("/proc/self/setgroups").read().strip()))
    print("setgroups-empty", attempt(lambda: os.setgroups([])))
    print("groups", ",".join(str(g) for g in os.getgroups()) or "none")
    print("read", attempt(lambda: read_all(path)))


def text(path):
    with open(path, "rb") as f:
        data = f.read(4096)
    return "text:" + (data.decode(errors="replace").split("\n")[0] or "(empty)")


def opens(paths):
    for p in paths:
        print("open", p, "read", attempt(lambda: text(p)), "write", attempt(lambda: open_close(p, os.O_WRONLY)))


def create(paths):
    for p in paths:
        def touch():
            os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            os.unlink(p)
        print("create", p, attempt(touch))


def mount_wait(target, sync):
    os.makedirs(target, exist_ok=True)
    print("mount", attempt(lambda: libc_call("mount", b"tmpfs", target.encode(), b"tmpfs", 0, None)))
    print("write", attempt(lambda: open(os.path.join(target, "on-tmpfs"), "w").close()))
    for line in open("/proc/self/mountinfo"):
        if line.split()[4] == target:
            print("mountinfo", line.split()[4], line.split(" - ")[1].split()[0])
    sys.stdout.flush()
    open(os.path.join(sync, "ready"), "w").close()
    for _ in range(1000):
        if os.path.exists(os.path.join(sync, "go")):
            break
        time.sleep(0.01)


def exchange(stop, pairs):
    libc.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    AT_FDCWD, RENAME_EXCHANGE = -100, 2
    pairs = [(pairs[i].encode(), pairs[i + 1].encode()) for i in range(0, len(pairs), 2)]
    n = 0
    while not os.path.exists(stop):
        for a, b in pairs:
            if libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) < 0:
                sys.exit("renameat2: " + err(ctypes.get_errno()))
        n += 1
    print("rounds", n)


cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "procfs":
    procfs()
elif cmd == "exe":
    exe()
elif cmd == "reopen":
    reopen(args[0], args[1], args[2] if len(args) > 2 else "0")
elif cmd == "ptrace":
    ptrace()
elif cmd == "groups":
    groups(args[0])
elif cmd == "open":
    opens(args)
elif cmd == "create":
    create(args)
elif cmd == "mount-wait":
    mount_wait(args[0], args[1])
elif cmd == "exchange":
    exchange(args[0], args[1:])
else:
    sys.exit("trust.py: unknown probe " + cmd)
