#!/usr/bin/env python3
"""SIGKILL nsspec during its start-up, and check what each kill left behind.

The driver of the "faults" area of Tests/integration/run.sh. It runs as the caller (root, or the
test user), and inside the throwaway network namespace for the specs with a network namespace.

  killer.py time -n 5 [--only-lo] -- CMD...
      runs CMD n times to its end; prints the median wall time in seconds (the launch time)
  killer.py kill --runs N --max-delay SEC --seed S --marker BASE [--log FILE] [checks] -- CMD...
      N times: spawn CMD, sleep a delay drawn uniformly from [0, SEC] (sub-millisecond: sleep,
      then spin), SIGKILL it, reap it
  killer.py sweep --spec PATH --scratch DIR --marker BASE [--cold-dir DIR] [checks] -- CMD...
      a reference run under strace (the marker replaced by 0, so that the command ends at once;
      the trace in the scratch DIR) lists nsspec's own syscalls, from the opening of the spec to
      its wait for the sandbox; then one run per syscall, under
      `strace -e inject=NAME:signal=KILL:when=K`: nsspec is killed as it enters exactly that
      syscall (K: that syscall's count, as strace counts it)

{marker} in CMD is replaced by BASE and the run's number (4 digits): each run's sandboxed process
is told apart by its argv. Checks after each kill; a miss is a problem of that run:
  - no process with the run's marker in its argv within 1 s (PID-namespace teardown and
    PR_SET_PDEATHSIG are asynchronous)
  - --only-lo: the network namespace is back to lo within 2 s (the kernel drops a dead
    namespace's veth asynchronously); this also keeps a run from meeting the last one's host end
  - --cache-dir DIR (repeatable): no cache temp file (plan or seccomp) of the killed nsspec in DIR (the
    temp file is ENTRY.PID.tmp, see replaceFile in Sources/System/LinuxSystemCalls.swift)
  - the mount points of the driver's mount namespace (where nsspec runs) are as before the batch
  - --private-tmp NAME: /tmp (a tmpfs of the driver's own mount namespace, see areas/faults.sh)
    holds only NAME (this suite's directory), as before the batch
  - sweep --cold-dir DIR: every run gets XDG_CACHE_HOME=DIR, DIR/nsspec emptied first: a cold
    seccomp cache, which nsspec compiles and writes (a window random kills hardly ever hit); any
    *.tmp left in DIR/nsspec is a problem
A kill is put in a phase: "starting" (nsspec had no child yet: parsing, checks, the seccomp
filter), "set-up" (the sandbox existed, its command had not printed "up"), "running" (the command
had printed "up"), "exited" (nsspec ended before the kill: a problem, the command sleeps 30 s).
Output: a summary line (seed, phase counts, delays), then "PROBLEM ..." lines; status 1 if any.
"""
import argparse
import os
import random
import re
import shutil
import signal
import socket
import statistics
import sys
import time


def spawn(argv, env, out_fd):
    """posix_spawn returns once the child has exec'd: a delay counts from the command's start."""
    actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
               (os.POSIX_SPAWN_DUP2, out_fd, 1), (os.POSIX_SPAWN_DUP2, out_fd, 2)]
    return os.posix_spawn(argv[0], argv, env, file_actions=actions)


def links():
    return sorted(name for _, name in socket.if_nameindex())


def wait_only_lo(limit):
    """None once the namespace has only lo; the links still there after `limit` seconds."""
    deadline = time.monotonic() + limit
    while True:
        now = links()
        if now == ["lo"]:
            return None
        if time.monotonic() > deadline:
            return now
        time.sleep(0.002)


def marker_processes(marker):
    """(pid, argv) of the processes with the marker as a word of an argument (sh -c '... 30.X')"""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if any(marker in a.split() for a in args):
            found.append((int(entry), " ".join(a for a in args if a)))
    return found


def wait_markers_gone(marker, limit):
    deadline = time.monotonic() + limit
    while True:
        left = marker_processes(marker)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.005)


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def read_available(fd):
    os.set_blocking(fd, False)
    data = b""
    try:
        while chunk := os.read(fd, 65536):
            data += chunk
    except BlockingIOError:
        pass
    return data.decode(errors="replace")


def empty_cold_cache(args, env):
    """DIR/nsspec exists (nsspec makes it on a first run only) and is empty"""
    cache = os.path.join(args.cold_dir, "nsspec")
    os.makedirs(cache, mode=0o700, exist_ok=True)
    for name in os.listdir(cache):
        os.unlink(os.path.join(cache, name))
    env["XDG_CACHE_HOME"] = args.cold_dir


def mount_points():
    with open("/proc/self/mountinfo") as f:
        return sorted(line.split()[4] for line in f)


def tmp_entries(args):
    return sorted(set(os.listdir("/tmp")) - {args.private_tmp}) if args.private_tmp else []


def changes(before, after):
    gone = [f"-{m}" for m in before if m not in after]
    new = [f"+{m}" for m in after if m not in before]
    return " ".join(gone + new) or f"{len(before)} -> {len(after)} entries"


def check_after_kill(args, what, marker, pid, cold, problems):
    """The checks after one kill; appends to problems, and removes what it reports (or takes it
    as the new baseline), so that one leftover is reported once."""
    left = wait_markers_gone(marker, 1.0)
    if left:
        problems.append(f"{what}: still running 1 s after the kill: "
                        + "; ".join(f"pid {p}: {c}" for p, c in left))
        for p, _ in left:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
    if args.only_lo:
        now = wait_only_lo(2.0)
        if now:
            problems.append(f"{what}: interfaces of the namespace 2 s after the kill: {' '.join(now)}")
    now = mount_points()
    if now != args.mounts:
        problems.append(f"{what}: the mount table of nsspec's mount namespace changed: {changes(args.mounts, now)}")
        args.mounts = now
    now = tmp_entries(args)
    if now != args.tmp:
        problems.append(f"{what}: /tmp changed: {changes(args.tmp, now)}")
        args.tmp = now
    for d in args.cache_dir:
        for name in os.listdir(d) if os.path.isdir(d) else []:
            if pid is not None and name.endswith(f".{pid}.tmp"):
                problems.append(f"{what}: cache temp file left: {d}/{name}")
                os.unlink(os.path.join(d, name))
    if cold:
        d = os.path.join(args.cold_dir, "nsspec")
        for name in os.listdir(d) if os.path.isdir(d) else []:
            if name.endswith(".tmp"):
                problems.append(f"{what}: cache temp file left: {d}/{name}")


def cmd_time(args):
    times = []
    for _ in range(args.n):
        r, w = os.pipe()
        t0 = time.perf_counter()
        pid = spawn(args.cmd, dict(os.environ), w)
        os.close(w)
        _, status = os.waitpid(pid, 0)
        times.append(time.perf_counter() - t0)
        out = read_available(r)
        os.close(r)
        if os.waitstatus_to_exitcode(status) != 0:
            print(f"killer.py time: the command failed ({os.waitstatus_to_exitcode(status)}): {out.strip()}")
            return 1
        if args.only_lo:
            wait_only_lo(2.0)
    print(f"{statistics.median(times):.6f}")
    return 0


def cmd_kill(args):
    rng = random.Random(args.seed)
    phases = {"starting": 0, "set-up": 0, "running": 0, "exited": 0}
    problems, delays = [], []
    log = open(args.log, "w") if args.log else None
    started = time.monotonic()
    for i in range(args.runs):
        marker = f"{args.marker}{i:04d}"
        argv = [a.replace("{marker}", marker) for a in args.cmd]
        env = dict(os.environ)
        delay = rng.uniform(0, args.max_delay)
        r, w = os.pipe()
        t0 = time.perf_counter()
        pid = spawn(argv, env, w)
        os.close(w)
        target = t0 + delay
        rest = target - time.perf_counter()
        if rest > 0.0015:
            time.sleep(rest - 0.0015)
        while time.perf_counter() < target:
            pass
        had_child = bool(children(pid))
        os.kill(pid, signal.SIGKILL)
        actual = time.perf_counter() - t0
        _, status = os.waitpid(pid, 0)
        out = read_available(r)
        os.close(r)
        delays.append(actual)
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            phase = "running" if "up" in out.split() else "set-up" if had_child else "starting"
        else:
            phase = "exited"
        phases[phase] += 1
        what = f"run {i} (seed {args.seed}, delay {actual * 1000:.3f} ms, phase {phase})"
        if phase == "exited":
            problems.append(f"{what}: nsspec ended on its own before the kill, status "
                            f"{os.waitstatus_to_exitcode(status)}: {out.strip()[:300]}")
        check_after_kill(args, what, marker, pid, False, problems)
        if log:
            log.write(f"{i}\t{marker}\t{actual * 1000:.3f}\t{phase}\t{pid}\n")
    print(f"{args.runs} kills (seed {args.seed}; delays {min(delays) * 1000:.2f}-{max(delays) * 1000:.2f} ms, "
          f"max {args.max_delay * 1000:.2f}; {time.monotonic() - started:.1f} s): "
          + ", ".join(f"{n} {p}" for p, n in phases.items()))
    for p in problems:
        print("PROBLEM " + p)
    return 1 if problems else 0


SYSCALL_LINE = re.compile(r"^([a-z_0-9]+)\(")


def cmd_sweep(args):
    strace = shutil.which("strace")
    if not strace:
        print("killer.py sweep: no strace")
        return 2
    # The reference run: which syscalls nsspec makes, and the how-manieth of its kind each is.
    trace = os.path.join(args.scratch, "sweep-reference.trace")
    env = dict(os.environ)
    if args.cold_dir:
        empty_cold_cache(args, env)
    r, w = os.pipe()
    argv = [strace, "-qq", "-o", trace, "--"] + [a.replace("{marker}", "0") for a in args.cmd]
    pid = spawn(argv, env, w)
    os.close(w)
    _, status = os.waitpid(pid, 0)
    out = read_available(r)
    os.close(r)
    if os.waitstatus_to_exitcode(status) != 0:
        print(f"killer.py sweep: the reference run failed ({os.waitstatus_to_exitcode(status)}): {out.strip()[:500]}")
        return 1
    if args.only_lo:
        wait_only_lo(2.0)
    counts, points, opened = {}, [], False
    with open(trace) as f:
        for line in f:
            m = SYSCALL_LINE.match(line)
            if not m:
                continue
            name = m.group(1)
            counts[name] = counts.get(name, 0) + 1
            if not opened and name == "openat" and f'"{args.spec}"' in line:
                opened = True
            if opened:
                first = re.match(r"[a-z_0-9]+\([^,)]*", line).group(0)
                rest = ")" if line[len(first):].startswith(")") else ", ...)"
                points.append((name, counts[name], first[:80] + rest))
    # Up to nsspec's last recvmsg: its wait for the sandbox's end of file, where it stays while the
    # command sleeps; what follows (wait4, exit) is reached only once the command has ended.
    last = max((i for i, p in enumerate(points) if p[0] == "recvmsg"), default=len(points) - 1)
    points = points[:last + 1]
    if not points:
        print(f"killer.py sweep: the reference trace does not open {args.spec}")
        return 1
    phases = {"killed": 0, "not reached": 0}
    problems, missed = [], []
    started = time.monotonic()
    for i, (name, count, line) in enumerate(points):
        marker = f"{args.marker}{i:04d}"
        env = dict(os.environ)
        if args.cold_dir:
            empty_cold_cache(args, env)
        argv = [strace, "-qq", "-o", "/dev/null", "-e", f"inject={name}:signal=KILL:when={count}", "--"] \
            + [a.replace("{marker}", marker) for a in args.cmd]
        r, w = os.pipe()
        pid = spawn(argv, env, w)
        os.close(w)
        # strace ends as its tracee does; a point the run does not reach (the syscalls' counts
        # differ from the reference's) would leave nsspec waiting for the command: killed after 3 s
        deadline = time.monotonic() + 3
        reached = True
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                reached = False
                for p in children(pid) + [pid]:
                    try:
                        os.kill(p, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                os.waitpid(pid, 0)
                break
            time.sleep(0.001)
        out = read_available(r)
        os.close(r)
        phases["killed" if reached else "not reached"] += 1
        if not reached:
            missed.append(f"{name} #{count}")
        what = f"kill {i} at syscall {name} #{count}: {line}" + ("" if reached else " [not reached in 3 s, killed then]")
        if reached and not (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL) \
                and os.waitstatus_to_exitcode(status) != 128 + signal.SIGKILL:
            problems.append(f"{what}: strace ended with status {os.waitstatus_to_exitcode(status)}: {out.strip()[:300]}")
        check_after_kill(args, what, marker, None, bool(args.cold_dir), problems)
    print(f"{len(points)} kills at nsspec's syscalls from the opening of the spec on "
          f"({time.monotonic() - started:.1f} s): " + ", ".join(f"{n} {p}" for p, n in phases.items())
          + (f" ({', '.join(missed)})" if missed else ""))
    for p in problems:
        print("PROBLEM " + p)
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    t = sub.add_parser("time")
    t.add_argument("-n", type=int, default=5)
    t.add_argument("--only-lo", action="store_true")
    t.add_argument("cmd", nargs="+")
    for name in ("kill", "sweep"):
        k = sub.add_parser(name)
        k.add_argument("--marker", required=True)
        k.add_argument("--only-lo", action="store_true")
        k.add_argument("--cache-dir", action="append", default=[])
        k.add_argument("--private-tmp")
        k.add_argument("cmd", nargs="+")
        if name == "kill":
            k.add_argument("--runs", type=int, required=True)
            k.add_argument("--max-delay", type=float, required=True)
            k.add_argument("--seed", type=int, required=True)
            k.add_argument("--log")
        else:
            k.add_argument("--spec", required=True)
            k.add_argument("--scratch", required=True)
            k.add_argument("--cold-dir")
    args = parser.parse_args()
    if args.what != "time":
        args.mounts, args.tmp = mount_points(), tmp_entries(args)
    return {"time": cmd_time, "kill": cmd_kill, "sweep": cmd_sweep}[args.what](args)


if __name__ == "__main__":
    sys.exit(main())
