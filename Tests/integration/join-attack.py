#!/usr/bin/env python3
"""The attacks on `nsspec exec`'s joining process (areas/named.sh), run inside the sandbox.

  join-attack.py SECONDS   wait up to SECONDS for a new process named "nsspec" to appear in this
                           pid namespace (the joining process, held there by the debug build's
                           NSSPEC_TEST_JOIN_HOLD; not the ones there at the start, such as a tiny
                           init), then print one line per attack:
                             ptrace ok|ERRNO     PTRACE_ATTACH to it (CVE-2016-9962)
                             exe ok|ERRNO        open /proc/PID/exe (O_PATH, as CVE-2019-5736 did,
                                                 to write the host's binary once it is free)
                             environ ok|ERRNO    read /proc/PID/environ (the caller's environment)
                             secret yes|no       whether NSSPEC_TEST_SECRET was in what was read
                           or "no-target" when none came.
"""
import ctypes, errno, os, sys, time

PTRACE_ATTACH, PTRACE_DETACH = 16, 17
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long


def name(err):
    return errno.errorcode.get(err, str(err))


def named_nsspec():
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() == "nsspec":
                        found.add(int(entry))
            except OSError:
                pass
    return found


def target(deadline):
    before = named_nsspec()
    while time.time() < deadline:
        new = named_nsspec() - before
        if new:
            return min(new)
        time.sleep(0.005)
    return None


def main():
    pid = target(time.time() + float(sys.argv[1]))
    if pid is None:
        print("no-target")
        return
    if libc.ptrace(PTRACE_ATTACH, pid, None, None) == 0:
        print("ptrace ok")
        os.waitpid(pid, 0)
        libc.ptrace(PTRACE_DETACH, pid, None, None)
    else:
        print("ptrace", name(ctypes.get_errno()))
    try:
        fd = os.open(f"/proc/{pid}/exe", os.O_PATH)
        print("exe ok", os.readlink(f"/proc/self/fd/{fd}"))
        os.close(fd)
    except OSError as e:
        print("exe", name(e.errno))
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            data = f.read()
        print("environ ok")
        print("secret", "yes" if b"NSSPEC_TEST_SECRET=" in data else "no")
    except OSError as e:
        print("environ", name(e.errno))
        print("secret no")


main()
