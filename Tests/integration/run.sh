#!/usr/bin/env bash
# Real-sandbox integration tests for `nsspec run` and `nsspec plan`.
#
#   sudo Tests/integration/setup.sh      # once: creates the user nsspec-test and id ranges
#   sudo Tests/integration/run.sh        # the suite; NSSPEC=/path/to/nsspec to test another binary
#
# Every case runs twice, as root and as the unprivileged user nsspec-test ("rootless"), and is
# checked from inside the sandbox with ordinary tools and from outside. Each case prints
# PASS/FAIL/SKIP with its mode; a failure shows the command, exit code, stdout and stderr.
# The suite never touches the machine's network and leaves nothing behind (one temp dir, removed).
# The binary is copied into that temp dir (0755) first: the test user must be able to execute it,
# and a rebuild while the suite runs must not swap it under the cases.
#
# The cases live by area in areas/*.sh (namespaces, mounts, host, process, trust, leftovers, faults,
# load, network, cli, cache, terminal, install), over the helpers of lib.sh; spec files the cases share
# are in fixtures/.
# faults (SIGKILL during start-up) drives nsspec with killer.py, load (many launches) with load.py.
#
# Environment: NSSPEC (binary, default .build/debug/nsspec), AREAS=mounts,trust (run only these
# areas), ONLY=t_maps,t_env (only these cases, named in the area files), KEEP_TMP=1 (keep the temp
# dir with the specs written).
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TEST_USER=nsspec-test
TIMEOUT=20            # seconds; any single nsspec invocation taking longer is a failure

if [ "$(id -u)" -ne 0 ]; then echo "run.sh: must run as root (it also runs each case as $TEST_USER)" >&2; exit 2; fi

NSSPEC_BIN=${NSSPEC:-.build/debug/nsspec}
case $NSSPEC_BIN in /*) ;; *) NSSPEC_BIN=$REPO/$NSSPEC_BIN ;; esac
if [ ! -x "$NSSPEC_BIN" ]; then echo "run.sh: no executable nsspec at $NSSPEC_BIN (set NSSPEC)" >&2; exit 2; fi

T=$(mktemp -d /tmp/nsspec-integ.XXXXXX)
chmod 755 "$T"
cleanup() {
    # Kill any marker process a failed orphan case left behind (by pid), then remove the dir.
    for p in $(pgrep -f "^/bin/sleep 30\.$$" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    for n in "${NETNS_MADE[@]}"; do ip netns del "$n" 2>/dev/null; done
    if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf --one-file-system "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -m 755 "$T/bin" "$T/cap"
cp "$NSSPEC_BIN" "$T/bin/nsspec" && chmod 755 "$T/bin/nsspec"
if command -v cc >/dev/null; then cc -O -o "$T/bin/no-clone3" "$REPO/Tests/integration/no-clone3.c" || rm -f "$T/bin/no-clone3"; fi
NSSPEC=$T/bin/nsspec
cd "$T" || exit 2

passed=0 failed=0 skipped=0
PY=$(command -v /usr/bin/python3 python3 | head -1)
[ -n "$PY" ] || { echo "run.sh: python3 is needed" >&2; exit 2; }
HAVE_USER=0
id -u "$TEST_USER" >/dev/null 2>&1 && HAVE_USER=1

. "$REPO/Tests/integration/lib.sh"

# ---------------------------------------------------------------------------------------------
# The areas, in order; each adds its cases to CASES. AREAS=mounts,trust runs only those areas,
# ONLY=t_maps,t_env only those cases (names in the area files).
AREA_LIST=(namespaces mounts overlay host process trust leftovers faults load network usermode cli cache terminal install doctor named named_state export)
AREAS=${AREAS:-}
ONLY=${ONLY:-}
CASES=()
for area in "${AREA_LIST[@]}"; do
    [ -z "$AREAS" ] || [[ ",$AREAS," == *",$area,"* ]] || continue
    . "$REPO/Tests/integration/areas/$area.sh"
done
for area in ${AREAS//,/ }; do
    [[ " ${AREA_LIST[*]} " == *" $area "* ]] || { echo "run.sh: no area '$area' (areas: ${AREA_LIST[*]})" >&2; exit 2; }
done

echo "nsspec: $NSSPEC_BIN (copied to $NSSPEC); kernel $(uname -r)"
for mode in root rootless; do
    MODE=$mode
    if [ "$mode" = rootless ] && [ "$HAVE_USER" = 0 ]; then
        skip "all cases" "user $TEST_USER does not exist (run Tests/integration/setup.sh)"; continue
    fi
    set_mode "$mode"
    for c in "${CASES[@]}"; do
        [ -z "$ONLY" ] || [[ ",$ONLY," == *",$c,"* ]] || continue
        "$c"
    done
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
