#!/usr/bin/env bash
# Regenerates linker/symbol-order.txt, the order in which the linker lays out the functions (and
# data) that `nsspec run` touches, so that they sit in few pages: fewer page faults, and less
# mapped by fault-around (the kernel maps up to 16 pages around each fault), for nsspec and its
# sandbox process. Package.swift passes the file to lld in the release configuration; a symbol
# that is gone is ignored, a new one is laid out after the listed ones (cold), so a stale file
# costs speed, never correctness. Run after changes to the run path, then commit the file.
#
#   sudo bench/symbol-order.sh          # RUNS=200: runs profiled per kind (root/rootless x hit/miss x net/no-net)
#
# Profiles (perf): cpu-clock samples every 250 ns of user time, and every page fault's address,
# over `run` of the bench specs — with the plan cache warm (the usual launch) and cold (a spec
# run for the first time) — as root and as the test user. The symbols are listed as first met.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench/symbol-order.sh: run as root" >&2; exit 1; }
command -v perf >/dev/null || { echo "bench/symbol-order.sh: perf is needed (apt install linux-perf)" >&2; exit 1; }
RUNS=${RUNS:-200}
make release >&2
Tests/integration/setup.sh >&2
dir=$(mktemp -d /tmp/nsspec-order.XXXXXX); trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
cp .build-release/release/nsspec "$dir/nsspec"; cp bench/reference.yaml bench/reference-nonet.yaml "$dir/"
sed -i 's|\.\./schema/|'"$PWD"'/schema/|' "$dir"/*.yaml
chmod 755 "$dir/nsspec"; chmod 644 "$dir"/*.yaml
mkdir -m 700 "$dir/cache-root" "$dir/cache-user"; chown nsspec-test: "$dir/cache-user"
cat >"$dir/runs.sh" <<SH
#!/bin/sh
# warm: the plan cache filled once, then hit; cold: the plan entries removed before each run
for spec in reference reference-nonet; do
    $dir/nsspec run $dir/\$spec.yaml >/dev/null
    i=0; while [ \$i -lt \$1 ]; do $dir/nsspec run $dir/\$spec.yaml >/dev/null; i=\$((i + 1)); done
    i=0; while [ \$i -lt \$((\$1 / 4)) ]; do rm -f "\$XDG_CACHE_HOME"/nsspec/plan-*.bin; $dir/nsspec run $dir/\$spec.yaml >/dev/null; i=\$((i + 1)); done
done
SH
chmod 755 "$dir/runs.sh"
profile() {  # NAME PREFIX...
    local name=$1; shift
    perf record -q -e cpu-clock:u -c 250 -o "$dir/$name-cpu.data" -- "$@" "$dir/runs.sh" "$RUNS" >/dev/null 2>&1
    perf record -q -e page-faults -c 1 -d -o "$dir/$name-faults.data" -- "$@" "$dir/runs.sh" 4 >/dev/null 2>&1
}
profile root env XDG_CACHE_HOME="$dir/cache-root"
profile user env -i HOME=/home/nsspec-test XDG_CACHE_HOME="$dir/cache-user" PATH=/usr/bin:/bin \
    setpriv --reuid=nsspec-test --regid=nsspec-test --init-groups --
python3 bench/symbol_order.py "$dir/nsspec" linker/symbol-order.txt \
    "$dir/root-faults.data" "$dir/root-cpu.data" "$dir/user-faults.data" "$dir/user-cpu.data"
