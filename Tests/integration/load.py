#!/usr/bin/env python3
"""Launch a command many times, at most P at once, and check that every launch exits 0 in time.

The driver of the "load" area of Tests/integration/run.sh; it runs as the caller (root, or the test
user), and inside the throwaway network namespace for the specs with veth pairs.

  load.py --runs N --parallel P --timeout SEC [--start-at EPOCH] [--private-tmp NAME] -- CMD...

{i} in CMD is replaced by the launch's number (0..N-1). With P = N, every launch is started at
once (spawned back to back, then waited for). A launch that runs longer than SEC is killed and
counted as hung (a deadlock); one with another status than 0 is a failure, shown with its output
(an EINVAL from unshare or setns, for instance). --start-at waits until that time (time.time()),
so that two drivers (one in a network namespace, one outside) start their launches together.
After the batch, the mount points of the driver's mount namespace (where nsspec runs) must be as
before it, and with --private-tmp NAME, /tmp (a tmpfs of the driver's own mount namespace, see
areas/load.sh) must hold only NAME (this suite's directory), as before.
Output: a summary line (launches, statuses, wall time, median and slowest launch), then
"PROBLEM ..." lines; exit status 1 if there was any.
"""
import argparse
import os
import signal
import statistics
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--parallel", type=int, required=True)
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--start-at", type=float)
    parser.add_argument("--private-tmp")
    parser.add_argument("cmd", nargs="+")
    args = parser.parse_args()

    def mount_points():
        with open("/proc/self/mountinfo") as f:
            return sorted(line.split()[4] for line in f)

    def tmp_entries():
        return sorted(set(os.listdir("/tmp")) - {args.private_tmp}) if args.private_tmp else []

    mounts_before, tmp_before = mount_points(), tmp_entries()
    if args.start_at:
        time.sleep(max(0.0, args.start_at - time.time()))
    running = {}          # pid -> (launch number, start time, read end of its stdout+stderr)
    output = {}           # launch number -> bytes read so far
    durations, problems = [], []
    statuses = {}
    next_launch = 0
    started = time.monotonic()
    last_drain = started
    most_at_once = 0

    def drain(fd, i):
        try:
            while chunk := os.read(fd, 65536):
                output[i] = output.get(i, b"") + chunk
        except BlockingIOError:
            pass

    while next_launch < args.runs or running:
        while next_launch < args.runs and len(running) < args.parallel:
            i = next_launch
            next_launch += 1
            argv = [a.replace("{i}", str(i)) for a in args.cmd]
            r, w = os.pipe()
            os.set_blocking(r, False)
            pid = os.posix_spawn(argv[0], argv, os.environ,
                                 file_actions=[(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                                               (os.POSIX_SPAWN_DUP2, w, 1), (os.POSIX_SPAWN_DUP2, w, 2)])
            os.close(w)
            running[pid] = (i, time.monotonic(), r)
        most_at_once = max(most_at_once, len(running))
        reaped = False
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            if pid not in running:
                continue
            reaped = True
            i, t0, r = running.pop(pid)
            durations.append(time.monotonic() - t0)
            drain(r, i)
            os.close(r)
            code = os.waitstatus_to_exitcode(status)
            statuses[code] = statuses.get(code, 0) + 1
            if code != 0:
                text = output.get(i, b"").decode(errors="replace").strip()
                problems.append(f"launch {i}: exit status {code}: {text[:400]}")
            output.pop(i, None)
        now = time.monotonic()
        for pid, (i, t0, r) in list(running.items()):
            if now - t0 > args.timeout:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                drain(r, i)
                os.close(r)
                del running[pid]
                statuses["hung"] = statuses.get("hung", 0) + 1
                text = output.pop(i, b"").decode(errors="replace").strip()
                problems.append(f"launch {i}: still running after {args.timeout:g} s (killed): {text[:400]}")
        if now - last_drain > 0.05:
            last_drain = now
            for pid, (i, _, r) in running.items():
                drain(r, i)
        if not reaped:
            time.sleep(0.001)

    took = time.monotonic() - started
    for what, before, after in (("the mount table of nsspec's mount namespace", mounts_before, mount_points()),
                                ("/tmp", tmp_before, tmp_entries())):
        if after != before:
            problems.insert(0, f"{what} changed: " + " ".join([f"-{m}" for m in before if m not in after]
                                                            + [f"+{m}" for m in after if m not in before]))
    print(f"{args.runs} launches, {args.parallel} at a time (at most {most_at_once} running): "
          + ", ".join(f"{n} exit {c}" for c, n in sorted(statuses.items(), key=str))
          + f"; {took:.1f} s, launch median {statistics.median(durations) * 1000:.0f} ms,"
          + f" slowest {max(durations) * 1000:.0f} ms")
    for p in problems[:20]:
        print("PROBLEM " + p)
    if len(problems) > 20:
        print(f"PROBLEM ... and {len(problems) - 20} more")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
