#!/usr/bin/env python3
"""The system-call attacks of the trust tests, one line each: NAME RESULT, where RESULT is "ok"
or the errno's name. Each probe is built so that the kernel itself answers something other than
EPERM (a missing path, a bad argument, a non-terminal), so EPERM can only come from a filter.

  attacks.py [NAME...]     run these probes (default: all)
"""
import ctypes, errno, os, sys, sysconfig

# (x86_64, aarch64) numbers
NR = {
    "keyctl": (250, 219), "add_key": (248, 217), "bpf": (321, 280), "perf_event_open": (298, 241),
    "userfaultfd": (323, 282), "io_uring_setup": (425, 425), "unshare": (272, 97), "mount": (165, 40),
    "ioctl": (16, 29), "clone3": (435, 435), "setns": (308, 268), "ptrace": (101, 117), "socket": (41, 198),
    "uname": (63, 160),
}
# Not platform.machine(): it calls uname, which a spec may deny.
ARCH = {"x86_64": 0, "aarch64": 1}[(sysconfig.get_config_var("MULTIARCH") or "x86_64").split("-")[0]]
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def call(name, *args):
    ctypes.set_errno(0)
    rc = libc.syscall(ctypes.c_long(NR[name][ARCH]), *[ctypes.c_long(a) if isinstance(a, int) else a for a in args])
    return "ok" if rc >= 0 else errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


def tiocsti(request):
    fd = os.open("/dev/null", os.O_RDONLY)
    try:
        return call("ioctl", fd, request, ctypes.c_char_p(b"x"))
    finally:
        os.close(fd)


TIOCSTI, TIOCLINUX = 0x5412, 0x541C
PROBES = {
    "keyctl": lambda: call("keyctl", 0, -3, 0),                    # KEYCTL_GET_KEYRING_ID, session
    "add_key": lambda: call("add_key", b"user", b"nsspec-probe", b"x", 1, -3),
    "bpf": lambda: call("bpf", 9999, None, 0),                      # no such command: EINVAL
    "perf_event_open": lambda: call("perf_event_open", None, 0, -1, -1, 0),  # EFAULT
    "userfaultfd": lambda: call("userfaultfd", 1),                  # UFFD_USER_MODE_ONLY
    "io_uring_setup": lambda: call("io_uring_setup", 1, None),      # EFAULT
    "unshare-user": lambda: call("unshare", 0x10000000),            # CLONE_NEWUSER
    "mount": lambda: call("mount", b"none", b"/nonexistent-nsspec-target", b"tmpfs", 0, None),  # ENOENT
    "setns": lambda: call("setns", -1, 0),                          # EBADF
    "clone3": lambda: call("clone3", None, 0),                      # EINVAL (size 0)
    "ptrace": lambda: call("ptrace", 2, 0x7FFFFFF0, 0, 0),          # PTRACE_PEEKDATA, no such pid: ESRCH
    "socket-vsock": lambda: call("socket", 40, 1, 0),               # AF_VSOCK
    "tiocsti": lambda: tiocsti(TIOCSTI),                            # /dev/null is no terminal: ENOTTY
    "tiocsti-high-bits": lambda: tiocsti(TIOCSTI | (1 << 32)),      # CVE-2019-10063's trick
    "tioclinux": lambda: tiocsti(TIOCLINUX),
    "uname": lambda: call("uname", ctypes.create_string_buffer(390)),
}

for name in sys.argv[1:] or PROBES:
    print(name, PROBES[name](), flush=True)
