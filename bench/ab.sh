#!/usr/bin/env bash
# A/B of two nsspec binaries on one sandbox, for a change whose cost is smaller than the noise
# of bench/run.sh's ratios against bubblewrap: interleaved rounds (the order alternates), the
# page cache dropped before each, the median of each round and the ratio new/old.
#
#   sudo bench/ab.sh OLD NEW [SPEC] [root|rootless] [ROUNDS]    # defaults: bench/reference.yaml root 6
#
# Build OLD from another commit with: git worktree add /tmp/old REV && make -C /tmp/old release
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench/ab.sh: run as root (it drops the page cache; rootless runs as nsspec-test)" >&2; exit 1; }
old=$1 new=$2 spec=${3:-bench/reference.yaml} mode=${4:-root} rounds=${5:-6}
command -v hyperfine >/dev/null || { echo "bench/ab.sh: hyperfine is needed (apt install hyperfine)" >&2; exit 1; }
dir=$(mktemp -d /tmp/nsspec-ab.XXXXXX); trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
cp "$old" "$dir/old"; cp "$new" "$dir/new"; cp "$spec" "$dir/spec.yaml"; chmod 755 "$dir/old" "$dir/new"; chmod 644 "$dir/spec.yaml"
# Each binary has a cache of its own: a plan cache entry answers one nsspec build, and the two
# binaries alternating on one entry would make every run a miss.
mkdir -m 700 "$dir/cache-old" "$dir/cache-new"
pre=()
if [ "$mode" = rootless ]; then
    chown nsspec-test: "$dir/cache-old" "$dir/cache-new"
    pre=(env HOME=/home/nsspec-test setpriv --reuid=nsspec-test --regid=nsspec-test --init-groups --)
fi
for r in $(seq "$rounds"); do
    sync; echo 3 >/proc/sys/vm/drop_caches
    order=(old new); [ $((r % 2)) = 0 ] && order=(new old)
    cmds=(); for b in "${order[@]}"; do cmds+=("env XDG_CACHE_HOME=$dir/cache-$b ${pre[*]} $dir/$b run $dir/spec.yaml"); done
    hyperfine -N --warmup 5 --runs 60 --export-json "$dir/$r.json" "${cmds[@]}" >/dev/null 2>&1
    python3 - "$dir/$r.json" "$r" <<'PY'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
m = {("old" if "/old " in r["command"] else "new"): statistics.median(r["times"]) * 1000 for r in results}
print(f"round {sys.argv[2]}: old {m['old']:.3f} ms  new {m['new']:.3f} ms  new/old {m['new'] / m['old']:.3f}")
PY
    sleep 1
done
