#!/usr/bin/env python3
"""Turns profiles of `nsspec run` into the linker's symbol order (bench/symbol-order.sh runs it).

  symbol_order.py BINARY OUT PERF_DATA...
  symbol_order.py --check BINARY ORDER   the order was applied: the first ten listed functions
                                         that BINARY has lie in the first 256 KiB of its code

Every sample's address inside BINARY (code: the cpu-clock samples; code and data: the page faults'
addresses) is mapped to the symbol that holds it (`nm -n`), and the symbols are written to OUT,
one per line, in the order they were first met: the run path's code then sits in few pages, which
nsspec's parent and its sandbox process fault in, and map, in one go (fault-around).
"""
import bisect, subprocess, sys

def nm(binary):
    out = []
    for line in subprocess.run(["nm", "-n", "--defined-only", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in "TtWwDdBbRrVv":
            out.append((int(parts[0], 16), parts[1], parts[2]))
    return out


if sys.argv[1] == "--check":
    table = nm(sys.argv[2])
    code = {name: address for address, kind, name in table if kind in "TtWw"}
    start = min(code.values())
    listed = [n for n in open(sys.argv[3]).read().split() if n in code][:10]
    far = [n for n in listed if code[n] - start >= 256 << 10]
    if len(listed) < 10 or far:
        sys.exit(f"symbol_order.py: {sys.argv[2]} is not laid out in the order of {sys.argv[3]} "
                 f"({len(listed)} of its first listed functions found; beyond 256 KiB: {far})")
    print(f"symbol_order.py: the run path's functions lead {sys.argv[2]}'s code")
    sys.exit(0)

binary, out, datas = sys.argv[1], sys.argv[2], sys.argv[3:]
symbols = [(address, name) for address, _, name in nm(binary)]
addresses = [a for a, _ in symbols]
order, seen = [], set()
for data in datas:
    script = subprocess.run(["perf", "script", "-i", data, "-F", "ip,addr"], capture_output=True, text=True)
    if script.returncode != 0:  # no addresses recorded: code samples only
        script = subprocess.run(["perf", "script", "-i", data, "-F", "ip"], capture_output=True, text=True, check=True)
    for line in script.stdout.splitlines():
        for f in line.split():
            try:
                a = int(f, 16)
            except ValueError:
                continue
            i = bisect.bisect_right(addresses, a) - 1
            if i < 0 or a < 0x200000 or a >= 0x1_0000_0000:
                continue
            name = symbols[i][1]
            if name not in seen:
                seen.add(name)
                order.append(name)
with open(out, "w") as f:
    f.write("".join(n + "\n" for n in order))
print(f"{len(order)} symbols -> {out}", file=sys.stderr)
