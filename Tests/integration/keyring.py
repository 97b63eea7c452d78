#!/usr/bin/env python3
"""The keyring attack of the trust tests, through keyctl(2) and add_key(2) (no keyutils needed).

  keyring.py outer CMD...   join a fresh session keyring (the test's own, so the caller's real
                            one is untouched), add a user key "nsspec-secret" to it, print
                            "caller SESSION KEY", then run CMD with KEY in $NSSPEC_TEST_KEY
  keyring.py inner KEY      print "inside SESSION RESULT": this process's session keyring and
                            what reading key KEY gives ("read:PAYLOAD" or the errno's name)
"""
import ctypes, errno, os, platform, subprocess, sys

NR = {"x86_64": (248, 250), "aarch64": (217, 219)}
ADD_KEY, KEYCTL = NR.get(platform.machine(), (None, None))
GET_KEYRING_ID, JOIN_SESSION_KEYRING, READ = 0, 1, 11
SESSION = -3
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def keyctl(*args):
    rc = libc.syscall(KEYCTL, *[ctypes.c_long(a) if isinstance(a, int) else a for a in args])
    return rc, ctypes.get_errno()


def session():
    rc, err = keyctl(GET_KEYRING_ID, SESSION, 0)
    return str(rc) if rc >= 0 else errno.errorcode.get(err, str(err))


def read(key):
    buf = ctypes.create_string_buffer(256)
    rc, err = keyctl(READ, key, buf, ctypes.c_long(256))
    return "read:" + buf.raw[:rc].decode() if rc >= 0 else errno.errorcode.get(err, str(err))


if ADD_KEY is None:
    print("unsupported architecture", platform.machine(), file=sys.stderr)
    sys.exit(3)
if sys.argv[1] == "outer":
    rc, err = keyctl(JOIN_SESSION_KEYRING, None)
    if rc < 0:
        sys.exit("join: " + errno.errorcode.get(err, str(err)))
    key = libc.syscall(ADD_KEY, b"user", b"nsspec-secret", b"s3cret", ctypes.c_size_t(6), ctypes.c_long(SESSION))
    if key < 0:
        sys.exit("add_key: " + errno.errorcode.get(ctypes.get_errno(), "?"))
    print("caller", session(), key, read(key), flush=True)
    sys.exit(subprocess.run(sys.argv[2:], env=dict(os.environ, NSSPEC_TEST_KEY=str(key))).returncode)
else:
    print("inside", session(), read(int(sys.argv[2])), flush=True)
