#!/usr/bin/env bash
# Launch time of the reference sandbox with network.userMode (pasta), next to the same sandbox
# without it, root and rootless, in a throwaway network namespace that plays the host (pasta
# copies its interface and default route; nothing reaches the machine's own network).
#
#   sudo bench/usermode.sh [NSSPEC] [RUNS]     # defaults: .build-release/release/nsspec 30
#
# Prints hyperfine's table for each mode; the note takes the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
NSSPEC=$(realpath "${1:-.build-release/release/nsspec}")
RUNS=${2:-30}
USER_NAME=${NSSPEC_TEST_USER:-nsspec-test}
command -v hyperfine >/dev/null || { echo "bench/usermode.sh: hyperfine is not installed (bench/anchors.sh installs it)" >&2; exit 1; }
command -v pasta >/dev/null || { echo "bench/usermode.sh: pasta is not installed (apt install passt)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench/usermode.sh: run as root (it makes a network namespace)" >&2; exit 1; }

dir=$(mktemp -d /tmp/nsspec-bench-um.XXXXXX)
ns=nsspec-bench-um-$$
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
chmod 755 "$dir"
cp bench/reference.yaml "$dir/without.yaml"
{ cat bench/reference.yaml; printf 'network:\n  userMode: {dns: false}\n'; } >"$dir/with.yaml"
{ cat bench/reference.yaml; printf 'network:\n  userMode: true\n'; } >"$dir/with-dns.yaml"
chmod 644 "$dir"/*.yaml
mkdir -m 700 "$dir/cache-root" "$dir/cache-rootless" && chown "$USER_NAME" "$dir/cache-rootless"
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add h0 type veth peer name h1
ip -n "$ns" link set h0 up; ip -n "$ns" link set h1 up
ip -n "$ns" addr add 10.77.0.1/24 dev h0
ip -n "$ns" route add default via 10.77.0.254 dev h0

for mode in root rootless; do
    prefix=()
    [ "$mode" = rootless ] && prefix=(setpriv --reuid="$USER_NAME" --regid="$USER_NAME" --init-groups --)
    echo "== $mode"
    ip netns exec "$ns" "${prefix[@]}" env HOME=/tmp XDG_CACHE_HOME="$dir/cache-$mode" hyperfine -N --warmup 5 --runs "$RUNS" \
        -n without "$NSSPEC run $dir/without.yaml" \
        -n "userMode (dns: false)" "$NSSPEC run $dir/with.yaml" \
        -n "userMode (dns)" "$NSSPEC run $dir/with-dns.yaml"
done
