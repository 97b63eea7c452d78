#!/usr/bin/env python3
"""The cache cases' tool (areas/cache.sh): nsspec's cache entries taken apart and forged, and its
secret probed, through keyctl(2) (no keyutils needed).

  cachetool.py forge ENTRY_A ENTRY_B OUT real|random
        writes OUT: entry A's kind and key with entry B's payload, tagged with SipHash-2-4 under
        the caller's real secret (read from the user keyring, as nsspec does) or a random one
  cachetool.py serial       the serial of the secret's key in the caller's user keyring
  cachetool.py probe SERIAL what this process gets: "search:OK|ERRNO read:OK|ERRNO" (the search
                            in its user keyring, the read of key SERIAL); the secret is never printed

Entry: "NSSC", kind (1 byte), key length (4, little-endian), key, payload length (4), payload,
tag (8): SipHash-2-4 of everything before it (Sources/Executor/CacheStore.swift).
"""
import ctypes, errno, os, platform, struct, sys

NR = {"x86_64": 250, "aarch64": 219}
KEYCTL = NR.get(platform.machine())
SEARCH, READ, USER_KEYRING = 10, 11, -4
DESCRIPTION = b"nsspec:cache-secret"
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def keyctl(*args):
    rc = libc.syscall(KEYCTL, *[ctypes.c_long(a) if isinstance(a, int) else a for a in args])
    return rc, ctypes.get_errno()


def name(err):
    return errno.errorcode.get(err, str(err))


def serial():
    rc, err = keyctl(SEARCH, USER_KEYRING, b"user", DESCRIPTION, 0)
    if rc < 0:
        sys.exit("search: " + name(err))
    return rc


def secret():
    buf = ctypes.create_string_buffer(16)
    rc, err = keyctl(READ, serial(), buf, 16)
    if rc != 16:
        sys.exit("read: " + name(err))
    return buf.raw


M = (1 << 64) - 1


def siphash(key, msg):
    rotl = lambda x, b: ((x << b) | (x >> (64 - b))) & M
    k0, k1 = struct.unpack("<QQ", key)
    v = [0x736F6D6570736575 ^ k0, 0x646F72616E646F6D ^ k1, 0x6C7967656E657261 ^ k0, 0x7465646279746573 ^ k1]

    def rnd():
        v[0] = (v[0] + v[1]) & M; v[1] = rotl(v[1], 13) ^ v[0]; v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & M; v[3] = rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & M; v[3] = rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & M; v[1] = rotl(v[1], 17) ^ v[2]; v[2] = rotl(v[2], 32)

    whole = len(msg) - len(msg) % 8
    blocks = [int.from_bytes(msg[i:i + 8], "little") for i in range(0, whole, 8)]
    blocks.append(int.from_bytes(msg[whole:], "little") | (len(msg) & 0xFF) << 56)
    for m in blocks:
        v[3] ^= m; rnd(); rnd(); v[0] ^= m
    v[2] ^= 0xFF
    for _ in range(4):
        rnd()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def parse(path):
    data = open(path, "rb").read()
    assert data[:4] == b"NSSC", path
    kind = data[4]
    (n,) = struct.unpack_from("<I", data, 5)
    key = data[9:9 + n]
    (m,) = struct.unpack_from("<I", data, 9 + n)
    payload = data[13 + n:13 + n + m]
    return kind, key, payload


if KEYCTL is None:
    sys.exit("unsupported architecture " + platform.machine())
if sys.argv[1] == "forge":
    a, b, out, which = sys.argv[2:6]
    kind, key, _ = parse(a)
    _, _, payload = parse(b)
    body = b"NSSC" + bytes([kind]) + struct.pack("<I", len(key)) + key + struct.pack("<I", len(payload)) + payload
    tag = siphash(secret() if which == "real" else os.urandom(16), body)
    with open(out, "wb") as f:
        f.write(body + struct.pack("<Q", tag))
elif sys.argv[1] == "serial":
    print(serial())
elif sys.argv[1] == "probe":
    rc, err = keyctl(SEARCH, USER_KEYRING, b"user", DESCRIPTION, 0)
    found = "search:OK" if rc >= 0 else "search:" + name(err)
    buf = ctypes.create_string_buffer(16)
    rc, err = keyctl(READ, int(sys.argv[2]), buf, 16)
    print(found, "read:OK" if rc >= 0 else "read:" + name(err))
