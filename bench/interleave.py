#!/usr/bin/env python3
"""Launch latency of several commands, measured interleaved: each round runs every command once,
in turn, so drift on the machine (namespace teardown in kernel workers, caches, frequency) hits
them all alike. Prints median, min and max wall time per command and each median's ratio to the
last command's (the baseline, e.g. bubblewrap).

    bench/interleave.py [--rounds N] [--pause SECONDS] 'LABEL=CMD…' … 'BASELINE=CMD…'

Commands start with posix_spawn (vfork), so the harness adds little and the same to each. Run it
as the user to measure (e.g. under runuser) for the rootless figures.
"""
import argparse, os, shlex, shutil, statistics, sys, time


def run_once(argv, devnull):
    start = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
    _, status = os.waitpid(pid, 0)
    elapsed = (time.perf_counter_ns() - start) / 1e6
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed ({os.waitstatus_to_exitcode(status)}): {shlex.join(argv)}")
    return elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--pause", type=float, default=0.005, help="seconds between two launches")
    ap.add_argument("commands", nargs="+", metavar="LABEL=CMD")
    a = ap.parse_args()
    labels = [c.split("=", 1)[0] for c in a.commands]
    cmds = [shlex.split(c.split("=", 1)[1]) for c in a.commands]
    for argv in cmds:
        argv[0] = shutil.which(argv[0]) or argv[0]
    devnull = os.open(os.devnull, os.O_WRONLY)
    times = [[] for _ in cmds]
    for r in range(a.warmup + a.rounds):
        for i, argv in enumerate(cmds):
            t = run_once(argv, devnull)
            if r >= a.warmup:
                times[i].append(t)
            time.sleep(a.pause)
    base = statistics.median(times[-1])
    width = max(len(c) for c in labels + ["command"])
    print(f"{'command':<{width}}  median    min     max   ratio to {labels[-1]}  (ms, {a.rounds} interleaved rounds)")
    for c, t in zip(labels, times):
        m = statistics.median(t)
        print(f"{c:<{width}}  {m:6.2f}  {min(t):6.2f}  {max(t):6.2f}  {m / base:5.2f}")


if __name__ == "__main__":
    main()
