# shellcheck shell=bash
# Area "load" of Tests/integration/run.sh (AREAS=load runs only it). Load: many launches at once and
# many in a row all exit 0 in time (no EINVAL from unshare or setns, no deadlock), and leave
# nothing behind. Sourced by run.sh after lib.sh; each case runs once per mode (root, rootless).
#
# The driver is load.py (copied to the temp dir), run as the caller in a mount namespace of its own
# with a private /tmp (PRIVATE_TMP in lib.sh); every launch must exit 0 within TIMEOUT. After each
# batch, as before it: the mount table of the namespace nsspec ran in and its /tmp (checked by the
# driver); the caller's processes running this suite's nsspec or the batch's marker (none, within
# 1 s), this shell's children, open fds and mount table, and the links of the throwaway network
# namespace (lo only, within 2 s).
#
#  - t_load_concurrent: LOAD_CONCURRENT (200) launches at once: 150 of a tmpfs-root spec, and 50
#    inside a throwaway network namespace, started at the same moment by a second driver: as root
#    each with its own veth pair (host end nsspec-lN, subnet 10.252.N.0/30), rootless with a
#    network namespace with only lo (a veth needs CAP_NET_ADMIN on the host).
#  - t_load_sequential: LOAD_SEQUENTIAL (1,000) launches one after another (~13 ms each with the
#    debug binary: some 15 s a mode).

CASES+=(t_load_concurrent t_load_sequential)

LOAD_CONCURRENT=${LOAD_CONCURRENT:-200}
LOAD_NET=50
LOAD_SEQUENTIAL=${LOAD_SEQUENTIAL:-1000}
cp "$REPO/Tests/integration/load.py" "$T/bin/load.py" && chmod 755 "$T/bin/load.py"

# this shell's mount points (minus /run/netns binds, which concurrent suites' namespaces add), and
# the caller's processes of this batch
load_mounts() { awk '$5 !~ "^/run/netns/" { print $5 }' "/proc/$$/mountinfo" | sort; }
load_procs() { pgrep -u "$CUID" -f -- "$1|$NSSPEC run" | tr '\n' ' '; }
load_baseline() {
    LB_MOUNTS=$(load_mounts) LB_FDS=$(ls "/proc/$$/fd" | wc -l)
    LB_CHILDREN=$(pgrep -P $$ | wc -l) LB_PROCS=$(load_procs "$1")
}
# load_diff BEFORE AFTER: the lines gone (<) and come (>), on one line
load_diff() { diff <(grep . <<<"$1") <(grep . <<<"$2") | grep '^[<>]' | tr '\n' ' '; }
# load_check_after MARKER
load_check_after() {
    local left="" i now
    for i in $(seq 100); do left=$(load_procs "$1"); [ "$left" = "$LB_PROCS" ] && break; sleep 0.01; done
    if [ "$left" != "$LB_PROCS" ]; then
        problem "processes of the caller left 1 s after the batch: $(ps -o pid=,args= -p "$(tr -s ' ' '\n' <<<"$left" | paste -sd,)" | tr '\n' ';')"
        kill -KILL $left 2>/dev/null
    fi
    now=$(pgrep -P $$ | wc -l)
    [ "$now" = "$LB_CHILDREN" ] || problem "children of this shell: $LB_CHILDREN before, $now after"
    now=$(ls "/proc/$$/fd" | wc -l)
    [ "$now" = "$LB_FDS" ] || problem "open fds of this shell: $LB_FDS before, $now after: $(ls -l "/proc/$$/fd" | tail -n +2 | awk '{ print $9 $10 $11 }' | tr '\n' ' ')"
    now=$(load_mounts)
    [ "$now" = "$LB_MOUNTS" ] || problem "this shell's mount table changed: $(load_diff "$LB_MOUNTS" "$now")"
}
# load_driver_problems: load.py's summary must say all exited 0; its PROBLEM lines are the case's
load_driver_problems() {
    local want=$1 line
    grep -qE "^$want launches, .*: $want exit 0;" <<<"$OUT" || problem "expected $want launches, all exit 0"
    while IFS= read -r line; do problem "${line#PROBLEM }"; done < <(grep '^PROBLEM' <<<"$OUT")
}

t_load_concurrent() {
    local plain net n_plain=$((LOAD_CONCURRENT - LOAD_NET)) kind i start marker rc_a rc_b out_a out_b batch=$((TIMEOUT + 30))
    plain=$(fixture load/load-plain)
    if [ "$MODE" = root ]; then
        kind="veth pairs"
        fixture load/load-veth >/dev/null
        for i in $(seq 0 $((LOAD_NET - 1))); do sed "s/@N@/$i/g" "$D/load-veth.yaml" >"$D/load-veth-$i.yaml"; done
        chmod 644 "$D"/load-veth-*.yaml
        net="$D/load-veth-{i}.yaml"
    else
        kind="network namespaces with lo only"
        net=$(fixture load/load-netlo)
    fi
    begin "$LOAD_CONCURRENT launches at once ($n_plain tmpfs roots, $LOAD_NET $kind in a throwaway network namespace): all exit 0, nothing left"
    new_netns || { skip "$CASE" "ip netns add failed"; return; }
    marker="30.$$$([ "$MODE" = root ] && echo 5 || echo 6)"
    load_baseline "$marker"
    start=$("$PY" -c 'import time; print(time.time() + 0.5)')
    RUN_ID=$((RUN_ID + 1)); RC=0
    { timeout -k 3 "$batch" "${PRIVATE_TMP[@]}" "${PREFIX[@]}" "$PY" "$T/bin/load.py" --runs "$n_plain" --parallel "$n_plain" \
        --timeout "$TIMEOUT" --start-at "$start" --private-tmp "${T##*/}" -- "$NSSPEC" run "$plain" -- /bin/true "$marker" </dev/null >"$T/cap/load-a" 2>&1; } 2>/dev/null &
    local pa=$!
    { timeout -k 3 "$batch" ip netns exec "$NS" "${PRIVATE_TMP[@]}" "${PREFIX[@]}" "$PY" "$T/bin/load.py" --runs "$LOAD_NET" \
        --parallel "$LOAD_NET" --timeout "$TIMEOUT" --start-at "$start" --private-tmp "${T##*/}" -- "$NSSPEC" run "$net" -- /bin/true "$marker" </dev/null >"$T/cap/load-b" 2>&1; } 2>/dev/null &
    local pb=$!
    wait "$pa"; rc_a=$?; wait "$pb"; rc_b=$?
    out_a=$(cat "$T/cap/load-a") out_b=$(cat "$T/cap/load-b")
    CMD_TEXT="[$MODE] load.py --runs $n_plain --parallel $n_plain -- $NSSPEC run $plain -- /bin/true $marker, and at the same time inside $NS: load.py --runs $LOAD_NET --parallel $LOAD_NET -- $NSSPEC run $net -- /bin/true $marker"
    RC="$rc_a, $rc_b" OUT=$out_a ERR=$out_b
    [ "$rc_a" = 0 ] && [ "$rc_b" = 0 ] || problem "a driver failed (exit codes $rc_a, $rc_b; the second one's output is shown as stderr)"
    OUT=$out_a; load_driver_problems "$n_plain"
    OUT=$out_b; load_driver_problems "$LOAD_NET"
    OUT=$out_a
    load_check_after "$marker"
    wait_links_gone
    drop_netns; end_case
    echo "      $(head -1 <<<"$out_a")"
    echo "      in $NS: $(head -1 <<<"$out_b")"
}

t_load_sequential() {
    local plain marker per_launch=$TIMEOUT TIMEOUT=600
    plain=$(fixture load/load-plain)
    begin "$LOAD_SEQUENTIAL launches one after another: all exit 0, nothing left"
    marker="30.$$$([ "$MODE" = root ] && echo 7 || echo 8)"
    load_baseline "$marker"
    local saved=("${PREFIX[@]}")
    PREFIX=("${PRIVATE_TMP[@]}" "${saved[@]}")
    run_cmd "$PY" "$T/bin/load.py" --runs "$LOAD_SEQUENTIAL" --parallel 1 --timeout "$per_launch" --private-tmp "${T##*/}" \
        -- "$NSSPEC" run "$plain" -- /bin/true "$marker"
    PREFIX=("${saved[@]}")
    want_rc 0
    load_driver_problems "$LOAD_SEQUENTIAL"
    load_check_after "$marker"
    end_case
    echo "      $(head -1 <<<"$OUT")"
}
