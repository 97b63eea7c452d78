#!/usr/bin/env bash
# nsspec's launch benchmark (not part of the tests): builds the release binary, installs what it
# needs (bubblewrap, hyperfine, GNU time, iproute2, uidmap), creates the unprivileged user of the
# integration tests for the rootless rows, then runs bench/bench.py, which prints one table.
#
#   sudo bench/run.sh                 # RUNS=100 ROUNDS=5 WARMUP=3 PAUSE=1 (seconds between cases)
#
# Every veth it makes lives in a throwaway network namespace it made itself.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench/run.sh: run as root (the rootless rows run as nsspec-test)" >&2; exit 1; }
need=()
command -v bwrap >/dev/null || need+=(bubblewrap)
command -v hyperfine >/dev/null || need+=(hyperfine)
[ -x /usr/bin/time ] || need+=(time)
command -v ip >/dev/null || need+=(iproute2)
command -v newuidmap >/dev/null || need+=(uidmap)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
make release >&2
Tests/integration/setup.sh >&2
exec python3 bench/bench.py
