#!/usr/bin/env python3
"""nsspec's launch-latency benchmark, side by side with bubblewrap and unshare(1).

Run it through bench/run.sh (as root), which installs what it needs and builds the release
binary first. Every case runs its tools interleaved: ROUNDS rounds, each giving every tool
RUNS/ROUNDS hyperfine runs (with warm-up) in turn, so that drift on the machine hits all of
them alike; a pause separates two hyperfine invocations, since namespace teardown is
asynchronous. Medians, minima and maxima are over all runs of a tool; peak RSS is the largest
`/usr/bin/time -f %M` (KiB, the whole process tree) over 5 runs; the ratio is each median over
the baseline's median of the same case and mode, and "per round" the range of the ratios of
each round's medians (one lucky round shows there, not in the ratio).

The page cache is dropped before every round (DROP_CACHES=0 keeps it): where a binary's pages
land in memory changes its speed (the same nsspec binary measured from two copies differed by
0.5 ms on this VM), so each round gives every tool a new layout and the medians span several.

Cases:
  reference    DESIGN §8's sandbox (bench/reference.yaml): new user, mount, uts, ipc, pid and
               net namespaces, hostname, uid/gid 0 -> caller, read-only /usr and /etc with the
               merged-/usr symlinks, proc, tmpfs /tmp, /bin/true. Baseline: bubblewrap.
  no-net       the same without a net namespace (bench/reference-nonet.yaml; bwrap --share-net).
  reference, via sh
               bubblewrap given nsspec's compiled default seccomp profile (--add-seccomp-fd, one
               per program), next to bubblewrap without it, both started by sh -c (which opens
               the files): what loading the same filter costs bubblewrap.
  veth         one veth configured (bench/veth.yaml), root only, inside a throwaway network
               namespace; baseline: the same done by ip(8) -batch (../shared/bench/anchors.sh's
               `veth.sh batch-async`), 50 ms pause before every run (the host end of the last
               run dies with its namespace ~30 ms after it).
  reference, cache
               the reference sandbox with the plan's cache entry removed before each run (a
               miss: read, validate, plan and store; the seccomp programs still cached), and with
               --no-cache (every launch compiles the seccomp filter too), next to a hit (what
               the other rows measure: every nsspec row runs with a cache of the bench's own).
  validate     `nsspec validate` on one spec; and on 1,000 specs in one invocation.
NSSPEC_BEFORE=an-older-build adds it to the reference and no-net rows, timed in the same rounds.
"""
import glob, json, os, pwd, shlex, statistics, subprocess, sys, tempfile

RUNS = int(os.environ.get("RUNS", "100"))
ROUNDS = int(os.environ.get("ROUNDS", "5"))
WARMUP = int(os.environ.get("WARMUP", "3"))
PAUSE = float(os.environ.get("PAUSE", "1"))
USER = os.environ.get("BENCH_USER", "nsspec-test")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("NSSPEC", os.path.join(REPO, ".build-release/release/nsspec"))
# The binary whose compiled default profile bubblewrap gets in "reference, via sh" (the cache
# format is this tree's), and the cases to run (all when empty): NSSPEC=an-older-build
# CASES=reference,no-net measures an older nsspec on the rows it had.
PROGRAMS_FROM = os.environ.get("PROGRAMS_FROM", os.path.join(REPO, ".build-release/release/nsspec"))
CASES = [c for c in os.environ.get("CASES", "").split(",") if c]
# An older build timed in the same rounds as this one on the reference and no-net rows, as the
# tool "nsspec before" (the fairest before/after on a noisy machine).
BEFORE = os.environ.get("NSSPEC_BEFORE")

BWRAP_REF = ("bwrap --unshare-all --hostname bench --uid 0 --gid 0 --ro-bind /usr /usr --ro-bind /etc /etc "
             "--symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --symlink usr/sbin /sbin "
             "--proc /proc --tmpfs /tmp /bin/true")
UNSHARE_REF = "unshare --user --map-root-user --mount --uts --ipc --pid --net --fork --mount-proc /bin/true"

# The ip(8) setup of anchors.sh's veth section, with its names and addresses (10.203.0.0/24,
# only ever inside the throwaway namespace this benchmark makes).
VETH_SH = r"""#!/bin/bash
set -e
tag=vbh$$; sb=vbs$$; pid=
h=10.203.0.$(( ($$ % 64) * 4 + 1 )); s=10.203.0.$(( ($$ % 64) * 4 + 2 ))
trap '[[ -n $pid ]] && kill $pid 2>/dev/null; true' EXIT
unshare --net sleep 30 & pid=$!
while [[ /proc/$pid/ns/net -ef /proc/$$/ns/net ]]; do :; done
printf '%s\n' "link add $tag type veth peer name $sb netns $pid" "addr add $h/30 dev $tag" "link set $tag up" | ip -b -
printf '%s\n' "addr add $s/30 dev $sb" "link set $sb up" "link set lo up" | nsenter -t $pid -n ip -b -
kill $pid; wait $pid 2>/dev/null || true; pid=
"""


def log(*a):
    print("[bench]", *a, file=sys.stderr, flush=True)


def as_user(mode, argv):
    """argv as the mode's caller, with a cache directory of the bench's own (CACHES[mode]): the
    callers' real caches are left alone, and every run but the first reads its plan from it."""
    if mode == "root":
        return ["env", f"XDG_CACHE_HOME={CACHES[mode]}"] + argv
    home = pwd.getpwnam(USER).pw_dir
    return ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--init-groups", "--",
            "env", "-i", f"HOME={home}", f"USER={USER}", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
            f"XDG_CACHE_HOME={CACHES[mode]}"] + argv


CACHES = {}


def drop_caches():
    """Every round starts from binaries read back from disk. Where a binary's pages land in memory
    changes how fast it runs: the same nsspec binary measured from two copies differed by 0.5 ms
    on this VM, and so did one copy before and after a cache drop. Dropping before each round
    gives every tool a new layout per round, so the medians are over several (DROP_CACHES=0
    keeps the cache)."""
    if os.environ.get("DROP_CACHES", "1") == "0":
        return
    subprocess.run(["sync"], check=True)
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("1")


def peak_rss(mode, command, wrap, prepare=None):
    best = 0
    for _ in range(5):
        if prepare:
            subprocess.run(wrap(as_user(mode, shlex.split(prepare))), check=True)
        r = subprocess.run(wrap(as_user(mode, ["/usr/bin/time", "-f", "%M"] + shlex.split(command))),
                           capture_output=True, text=True)
        try:
            best = max(best, int(r.stderr.strip().splitlines()[-1]))
        except (ValueError, IndexError):
            pass
    return best


def run_case(work, case, mode, tools, wrap=lambda a: a, prepare=None):
    """tools: [(label, command)] or [(label, command, prepare)], the baseline last. Returns rows,
    each with the ratio of the medians over all runs and the range of the per-round ratios."""
    if CASES and case not in CASES:
        return []
    tools = [t if len(t) == 3 else (t[0], t[1], prepare) for t in tools]
    times = {label: [] for label, _, _ in tools}
    rounds = {label: [] for label, _, _ in tools}
    for label, command, _ in tools:  # it must work once before it is timed
        r = subprocess.run(wrap(as_user(mode, shlex.split(command))), capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"{case}/{mode}/{label} failed ({r.returncode}):\n$ {command}\n{r.stdout}{r.stderr}")
    per_round = max(1, -(-RUNS // ROUNDS))
    for rnd in range(ROUNDS):
        drop_caches()
        order = tools if rnd % 2 == 0 else list(reversed(tools))
        for label, command, prep in order:
            out = os.path.join(work, "results", f"{case}-{mode}-{label}-{rnd}.json".replace(" ", "_").replace("/", "_"))
            args = ["hyperfine", "-N", "--style", "none", "--warmup", str(WARMUP), "--runs", str(per_round),
                    "--export-json", out]
            if prep:
                args += ["--prepare", prep]
            subprocess.run(wrap(as_user(mode, args + [command])), check=True, stdout=subprocess.DEVNULL)
            with open(out) as f:
                got = json.load(f)["results"][0]["times"]
            times[label] += got
            rounds[label].append(statistics.median(got))
            subprocess.run(["sleep", str(PAUSE)])
    rows = []
    for label, command, prep in tools:
        t = [x * 1000 for x in times[label]]
        rows.append({"case": case, "mode": mode, "tool": label, "median": statistics.median(t), "min": min(t),
                     "max": max(t), "runs": len(t), "rss": peak_rss(mode, command, wrap, prep), "rounds": rounds[label]})
    base = rows[-1]
    for row in rows:
        row["ratio"] = row["median"] / base["median"]
        per_round = [a / b for a, b in zip(row["rounds"], base["rounds"])]
        row["spread"] = (min(per_round), max(per_round))
        row["baseline"] = base["tool"]
    log(" | ".join(f"{r['tool']} {r['median']:.2f} ms" for r in rows))
    return rows


def seccomp_programs(work, nsspec, spec):
    """nsspec's compiled default profile, as bubblewrap takes it (one BPF program per file): a
    run fills an empty cache of nsspec's (Sources/Executor/CacheStore.swift: "NSSC", kind, key
    length 4 and key, payload length 4 and payload, tag 8; the payload: count 4, then length 4
    and bytes for each program, Sources/Executor/SeccompCache.swift)."""
    cache = os.path.join(work, "cache")
    os.mkdir(cache, 0o700)
    subprocess.run([nsspec, "run", spec], check=True, capture_output=True, env=dict(os.environ, XDG_CACHE_HOME=cache))
    [entry] = glob.glob(os.path.join(cache, "nsspec", "seccomp-*.bpf"))
    data = open(entry, "rb").read()
    assert data[:4] == b"NSSC", entry
    key_length = int.from_bytes(data[5:9], "little")
    payload = data[13 + key_length:-8]
    count, offset, paths = int.from_bytes(payload[0:4], "little"), 4, []
    for i in range(count):
        length = int.from_bytes(payload[offset:offset + 4], "little")
        path = os.path.join(work, f"seccomp-{i}.bpf")
        with open(path, "wb") as f:
            f.write(payload[offset + 4:offset + 4 + length])
        os.chmod(path, 0o644)
        paths.append(path)
        offset += 4 + length
    return paths


def through_sh(command, programs=()):
    """`command` started by sh -c with each program on an fd of its own (3, 4, …) for
    bubblewrap's --add-seccomp-fd; sh's exec costs both variants alike."""
    fds = " ".join(f"--add-seccomp-fd {3 + i}" for i in range(len(programs)))
    tool, rest = command.split(" ", 1)
    redirects = " ".join(f"{3 + i}<{p}" for i, p in enumerate(programs))
    return "sh -c " + shlex.quote(f"exec {tool} {fds} {rest} {redirects}".replace("  ", " "))


def main():
    if os.geteuid() != 0:
        sys.exit("bench.py: run as root (bench/run.sh); the rootless rows run as " + USER)
    work = tempfile.mkdtemp(prefix="nsspec-bench.")
    os.chmod(work, 0o755)
    os.mkdir(os.path.join(work, "results"))
    os.chmod(os.path.join(work, "results"), 0o777)
    # The binary and specs where the unprivileged user can read them.
    nsspec = os.path.join(work, "nsspec")
    subprocess.run(["cp", BINARY, nsspec], check=True)
    for name in ("reference.yaml", "reference-nonet.yaml", "veth.yaml"):
        subprocess.run(["cp", os.path.join(REPO, "bench", name), work], check=True)
    thousand = os.path.join(work, "thousand")
    os.mkdir(thousand)
    examples = sorted(f for f in os.listdir(os.path.join(REPO, "specs")) if f.endswith(".yaml"))
    specs = []
    for i in range(1000):
        with open(os.path.join(REPO, "specs", examples[i % len(examples)])) as f:
            text = f.read()
        path = os.path.join(thousand, f"s{i:04}.yaml")
        with open(path, "w") as f:
            f.write(text)
        specs.append(path)
    veth_sh = os.path.join(work, "veth.sh")
    with open(veth_sh, "w") as f:
        f.write(VETH_SH)
    subprocess.run(["chmod", "-R", "a+rX", work], check=True)
    subprocess.run(["chmod", "755", veth_sh], check=True)

    ref = os.path.join(work, "reference.yaml")
    nonet = os.path.join(work, "reference-nonet.yaml")
    programs = seccomp_programs(work, PROGRAMS_FROM, ref)
    for mode in ("root", "rootless"):
        CACHES[mode] = os.path.join(work, f"cache-{mode}")
        # "nsspec before" has a cache of its own: an entry answers one nsspec build, so two builds
        # sharing one would replace each other's entry, and the first run after each switch would
        # be a miss (a higher peak RSS: plan and filter compiled).
        for d in (CACHES[mode], CACHES[mode] + "-before"):
            os.mkdir(d, 0o700)
            if mode == "rootless":
                user = pwd.getpwnam(USER)
                os.chown(d, user.pw_uid, user.pw_gid)
    before = None
    if BEFORE:
        before = os.path.join(work, "nsspec-before")
        subprocess.run(["cp", BEFORE, before], check=True)
        os.chmod(before, 0o755)
    older = lambda spec, mode: [("nsspec before", f"env XDG_CACHE_HOME={CACHES[mode]}-before {before} run {spec}")] if before else []
    rows = []
    for mode in ("root", "rootless"):
        rows += run_case(work, "reference", mode, [
            ("nsspec", f"{nsspec} run {ref}")] + older(ref, mode) + [("unshare", UNSHARE_REF), ("bwrap", BWRAP_REF)])
        # The cache: a hit (the rows above), a miss of the plan (its entry removed before each
        # run; the seccomp programs still cached), and no cache at all.
        plans = os.path.join(CACHES[mode], "nsspec", "plan-*.bin")
        rows += run_case(work, "reference, cache", mode, [
            ("nsspec, plan miss", f"{nsspec} run {ref}", f"sh -c 'rm -f {plans}'"),
            ("nsspec --no-cache", f"{nsspec} run --no-cache {ref}"),
            ("nsspec, hit", f"{nsspec} run {ref}", "true")])
        # bubblewrap with nsspec's compiled default profile, next to itself without it.
        rows += run_case(work, "reference, via sh", mode, [
            ("bwrap --seccomp", through_sh(BWRAP_REF, programs)), ("bwrap", through_sh(BWRAP_REF))])
        rows += run_case(work, "no-net", mode, [
            ("nsspec", f"{nsspec} run {nonet}")] + older(nonet, mode) + [("unshare", UNSHARE_REF.replace(" --net", "")),
            ("bwrap", BWRAP_REF.replace("--unshare-all", "--unshare-all --share-net"))])
    # A throwaway network namespace plays the host: the machine's own network is never touched.
    in_netns = lambda argv: ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"] + argv
    rows += run_case(work, "veth", "root", [
        ("nsspec", f"{nsspec} run {os.path.join(work, 'veth.yaml')}"), ("ip -batch", veth_sh)],
        wrap=in_netns, prepare="sleep 0.05")
    for mode in ("root", "rootless"):
        one = run_case(work, "validate 1 spec", mode, [("nsspec", f"{nsspec} validate {ref}")])
        many = run_case(work, "validate 1,000 specs", mode, [("nsspec", f"{nsspec} validate " + " ".join(specs))])
        for row in one + many:
            row["ratio"] = None
        rows += one + many

    print(f"\nnsspec {subprocess.run([nsspec, '--version'], capture_output=True, text=True).stdout.strip()}, "
          f"{subprocess.run(['bwrap', '--version'], capture_output=True, text=True).stdout.strip()}, "
          f"kernel {os.uname().release}, {os.cpu_count()} CPUs; {RUNS} runs per tool, {ROUNDS} interleaved rounds\n")
    print("| case | mode | tool | median ms | min | max | peak RSS KiB | ratio | per round |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = "—" if r["ratio"] is None else (f"{r['ratio']:.2f}" + ("" if r["tool"] == r["baseline"] else f" (vs {r['baseline']})"))
        spread = "—" if r["ratio"] is None or r["tool"] == r["baseline"] else f"{r['spread'][0]:.2f}–{r['spread'][1]:.2f}"
        print(f"| {r['case']} | {r['mode']} | {r['tool']} | {r['median']:.2f} | {r['min']:.2f} | {r['max']:.2f} | {r['rss']} | {ratio} | {spread} |")
    with open(os.path.join(work, "results", "table.json"), "w") as f:
        json.dump(rows, f, indent=1)
    print(f"\nhyperfine exports: {work}/results")


if __name__ == "__main__":
    main()
