#!/usr/bin/env python3
"""Both sides of the user-mode networking tests (areas/usermode.sh). Every address here lives in
the throwaway network namespace the test made to play the host, or in the sandbox.

  usermode.py host      in the throwaway host: TCP 10.77.1.1:9000 answers "host-tcp",
                        TCP 127.0.0.1:9100 answers "host-loopback", UDP 10.77.1.1:9001 echoes,
                        DNS on 10.77.1.1:53 answers every A query with 10.9.8.7; prints "ready"
                        once all listen, then serves until killed.
  usermode.py sandbox   inside the sandbox: one line per probe, then serves TCP :80 and
                        UDP :5300 (each connection and datagram answered, its peer printed:
                        "tcp-from ADDRESS", "udp-from ADDRESS") until 4 s pass idle:
                          tcp-out ok|ERROR    connect 10.77.1.1:9000, read its answer
                          udp-out ok|ERROR    a datagram to 10.77.1.1:9001, its echo
                          loopback ok|ERROR   connect the gateway 10.77.0.254:9100 (the host's lo)
                          dns ADDRESS|ERROR   example.test through /etc/resolv.conf
  usermode.py clients PROTO:ADDRESS:PORT...
                        where it runs (the throwaway host, or a "remote" namespace beside it):
                        each published port tried, again until the sandbox answers (10 s; once
                        with a "once:" prefix): "PROTO:ADDRESS:PORT ok|ERROR"
"""
import errno, select, socket, struct, sys, threading, time


def err(e):
    if isinstance(e, socket.timeout):
        return "timeout"
    if isinstance(e, socket.gaierror):
        return "gaierror"
    return errno.errorcode.get(getattr(e, "errno", None) or 0, type(e).__name__)


def dns_answer(query):
    # Header: same id, QR and RD/RA set, one question, one answer; the answer points at the name.
    qid = query[:2]
    end = 12
    while query[end] != 0:
        end += query[end] + 1
    question = query[12:end + 5]
    header = qid + b"\x81\x80" + struct.pack(">HHHH", 1, 1, 0, 0)
    answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([10, 9, 8, 7])
    return header + question + answer


def host():
    def tcp(addr, port, text):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(8)

        def loop():
            while True:
                c, _ = s.accept()
                c.sendall(text + b"\n")
                c.close()
        threading.Thread(target=loop, daemon=True).start()

    def udp(addr, port, reply):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, port))

        def loop():
            while True:
                data, peer = s.recvfrom(2048)
                s.sendto(reply(data), peer)
        threading.Thread(target=loop, daemon=True).start()

    tcp("10.77.1.1", 9000, b"host-tcp")
    tcp("127.0.0.1", 9100, b"host-loopback")
    udp("10.77.1.1", 9001, lambda d: b"echo " + d)
    udp("10.77.1.1", 53, dns_answer)
    print("ready", flush=True)
    while True:
        time.sleep(3600)


def sandbox():
    def probe(name, f):
        try:
            print(name, f(), flush=True)
        except Exception as e:  # noqa: BLE001 - the errno is the answer
            print(name, err(e), flush=True)

    def tcp_out():
        s = socket.create_connection(("10.77.1.1", 9000), timeout=3)
        return "ok" if s.recv(100).startswith(b"host-tcp") else "wrong-answer"

    def udp_out():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(3)
        s.sendto(b"ping", ("10.77.1.1", 9001))
        return "ok" if s.recv(100) == b"echo ping" else "wrong-answer"

    def loopback():
        s = socket.create_connection(("10.77.0.254", 9100), timeout=2)
        return "ok" if s.recv(100).startswith(b"host-loopback") else "no-answer"

    probe("tcp-out", tcp_out)
    probe("udp-out", udp_out)
    probe("loopback", loopback)
    probe("dns", lambda: socket.gethostbyname("example.test"))
    t = socket.socket()
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("0.0.0.0", 80))
    t.listen(8)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("0.0.0.0", 5300))
    print("serving", flush=True)
    served = 0
    while True:
        ready, _, _ = select.select([t, u], [], [], 4)
        if not ready:
            break
        for r in ready:
            if r is t:
                c, peer = t.accept()
                print("tcp-from", peer[0], flush=True)
                c.sendall(b"sandbox-tcp\n")
                c.close()
            else:
                data, peer = u.recvfrom(100)
                print("udp-from", peer[0], flush=True)
                u.sendto(b"sandbox " + data, peer)
            served += 1
    print("served", served, flush=True)


def clients(targets):
    deadline = time.time() + 10
    for target in targets:
        once = target.startswith("once:")
        proto, address, port = target.removeprefix("once:").split(":")
        result = "timeout"
        while time.time() < deadline:
            try:
                if proto == "tcp":
                    s = socket.create_connection((address, int(port)), timeout=1)
                    data = s.recv(100)
                    result = "ok" if data.startswith(b"sandbox-tcp") else "empty"
                else:
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.settimeout(0.5)
                    s.sendto(b"hello", (address, int(port)))
                    result = "ok" if s.recv(100) == b"sandbox hello" else "wrong-answer"
            except OSError as e:
                result = err(e)
            if result == "ok" or once:
                break
            time.sleep(0.1)
        print(target.removeprefix("once:"), result, flush=True)


if sys.argv[1] == "clients":
    clients(sys.argv[2:])
else:
    {"host": host, "sandbox": sandbox}[sys.argv[1]]()
