# shellcheck shell=bash
# Area "faults" of Tests/integration/run.sh (AREAS=faults runs only it). Faults: nsspec killed with
# SIGKILL anywhere in its start-up leaves nothing behind, and the next run works.
# Sourced by run.sh after lib.sh; each case runs once per mode (root, rootless).
#
# The driver is killer.py (copied to the temp dir), run as the caller in a mount namespace of its
# own with a private /tmp (PRIVATE_TMP in lib.sh): it spawns nsspec, kills it, reaps it, and checks
# each kill: the run's marker process gone within 1 s, the throwaway network namespace back to lo
# within 2 s, the mount table of the namespace nsspec ran in and its /tmp as before, no seccomp
# cache temp file of the killed pid. Each case then checks the batch from here (marker processes,
# this shell's mount table, the caller's seccomp cache directory, the throwaway namespace's links)
# and runs the spec once more, normally.
#
#  - t_fault_random: FAULT_RUNS (40) kills per spec at delays uniform in [0, 1.2 x the launch
#    time], the launch time being the median of 5 `nsspec run SPEC -- /bin/true`. Three specs a
#    mode (120 kills): a tmpfs root with proc/dev/tmpfs/binds; file/dir/symlink entries with a
#    subordinate id range (newuidmap); two veth pairs as root, a network namespace with only lo
#    rootless (a veth needs CAP_NET_ADMIN on the host), both inside a throwaway network namespace.
#    The sandboxed command is sh -c 'echo up; exec /bin/sleep 30.<marker>'; a summary line per
#    mode says where the kills landed. FAULT_SEED=N replays a run's delays (it is printed).
#  - t_fault_sweep: the systematic counterpart, with strace: one run per syscall nsspec makes from
#    the opening of the spec to its wait for the sandbox, killed as it enters that syscall. The
#    entries spec runs with a cold cache (a private XDG_CACHE_HOME emptied before each
#    run), so that the compiles and the writes of the plan and seccomp entries are crossed too (a window of some
#    50 us, which random kills hardly ever hit); the veth (rootless: netlo) spec with the caller's
#    own, warm. Skipped without strace.

CASES+=(t_fault_random t_fault_sweep)

FAULT_RUNS=${FAULT_RUNS:-40}
FAULT_SEED=${FAULT_SEED:-$(( (RANDOM << 15) | RANDOM ))}
cp "$REPO/Tests/integration/killer.py" "$T/bin/killer.py" && chmod 755 "$T/bin/killer.py"

# fault_spec NAME: the spec of a kind (veth has a rootless stand-in); sets FS and FS_NS (1: the
# spec has a network namespace, and runs inside a throwaway one)
fault_spec() {
    local name=$1
    [ "$name" = veth ] && [ "$MODE" = rootless ] && name=netlo
    FS=$(fixture "faults/kill-$name") FS_NAME=$name FS_NS=0
    case $name in veth|netlo) FS_NS=1 ;; esac
}
# fault_run CMD...: run_cmd, or run_in_ns when the spec has a network namespace
fault_run() { if [ "$FS_NS" = 1 ]; then run_in_ns "$@"; else run_cmd "$@"; fi; }
# fault_driver killer.py ARGS...: fault_run, in a mount namespace with a private /tmp
fault_driver() {
    local saved=("${PREFIX[@]}")
    PREFIX=("${PRIVATE_TMP[@]}" "${saved[@]}"); fault_run "$PY" "$T/bin/killer.py" "$@"; PREFIX=("${saved[@]}")
}

# what a batch must leave as it found, seen from here: this shell's mounts (minus /run/netns binds,
# which concurrent suites make), the caller's seccomp cache directory (minus finished entries)
fault_mounts() { awk '$5 !~ "^/run/netns/" { print $5 }' "/proc/$$/mountinfo" | sort; }
fault_cache_dir() { run_cmd_quiet /bin/sh -c 'echo "${XDG_CACHE_HOME:-$HOME/.cache}/nsspec"'; }
fault_cache_odd() { ls -A "$1" 2>/dev/null | grep -vxE 'seccomp-[0-9a-f]+\.bpf|plan-[0-9a-f]+\.bin'; }
fault_baseline() {
    FB_MOUNTS=$(fault_mounts) FB_CACHE_DIR=$(fault_cache_dir)
    FB_CACHE=$(fault_cache_odd "$FB_CACHE_DIR")
}
# fault_diff BEFORE AFTER: the lines gone (<) and come (>), on one line
fault_diff() { diff <(grep . <<<"$1") <(grep . <<<"$2") | grep '^[<>]' | tr '\n' ' '; }
# fault_check_after MARKER: the batch left nothing (after the driver's own per-kill checks)
fault_check_after() {
    local left="" i
    for i in $(seq 100); do left=$(pgrep -f "sleep $1"); [ -z "$left" ] && break; sleep 0.01; done
    if [ -n "$left" ]; then
        problem "processes with the marker $1 left 1 s after the batch: $(ps -o pid=,args= -p "$(paste -sd, <<<"$left")" | tr '\n' ';')"
        kill -KILL $left 2>/dev/null
    fi
    local now; now=$(fault_mounts)
    [ "$now" = "$FB_MOUNTS" ] || problem "this shell's mount table changed: $(fault_diff "$FB_MOUNTS" "$now")"
    now=$(fault_cache_odd "$FB_CACHE_DIR")
    [ "$now" = "$FB_CACHE" ] || problem "$FB_CACHE_DIR holds more than finished cache entries: $(fault_diff "$FB_CACHE" "$now")"
    [ "$FS_NS" = 1 ] && wait_links_gone
}
# fault_driver_problems: killer.py's PROBLEM lines become the case's problems
fault_driver_problems() {
    [ "$RC" -le 1 ] && grep -qE '^[0-9]+ kills' <<<"$OUT" || problem "killer.py failed (exit code $RC, no summary line)"
    local line
    while IFS= read -r line; do problem "${line#PROBLEM }"; done < <(grep '^PROBLEM' <<<"$OUT")
    if grep -q '^PROBLEM.*seccomp cache temp file left' <<<"$OUT"; then
        problem "(nsspec bug: replaceFile in Sources/System/LinuxSystemCalls.swift writes ENTRY.PID.tmp, then renames it; killed in between, nsspec leaves the temp file for good, a new one for each such kill)"
    fi
}
# fault_rerun: an immediate normal run of the same spec succeeds
fault_rerun() {
    fault_run "$NSSPEC" run "$FS" -- /bin/sh -c 'echo ok'
    want_rc 0; want_out ok
}

t_fault_random() {
    local kind idx median max marker summary total=0 phases=(0 0 0 0) m n TIMEOUT=300
    idx=0
    for kind in plain entries veth; do
        idx=$((idx + 1))
        fault_spec "$kind"
        begin "SIGKILL at $FAULT_RUNS random points of the launch, nothing left, the next run works: $FS_NAME spec"
        if [ "$FS_NS" = 1 ]; then new_netns || { skip "$CASE" "ip netns add failed"; continue; }; fi
        local lo=(); [ "$FS_NS" = 1 ] && lo=(--only-lo)
        fault_driver time -n 5 "${lo[@]}" -- "$NSSPEC" run "$FS" -- /bin/true
        median=$OUT
        if [ "$RC" -ne 0 ] || ! [[ $median =~ ^[0-9.]+$ ]]; then
            problem "could not time the launch"; [ "$FS_NS" = 1 ] && drop_netns; end_case; continue
        fi
        max=$(awk -v m="$median" 'BEGIN { printf "%.6f", 1.2 * m }')
        fault_baseline
        marker="30.$$$([ "$MODE" = root ] && echo 1 || echo 2)$idx"
        fault_driver kill --runs "$FAULT_RUNS" --max-delay "$max" --seed "$((FAULT_SEED + idx))" --marker "$marker" \
            "${lo[@]}" --cache-dir "$FB_CACHE_DIR" --private-tmp "${T##*/}" --log "$D/kill-$FS_NAME.log" \
            -- "$NSSPEC" run "$FS" -- /bin/sh -c 'echo up; exec /bin/sleep {marker}'
        fault_driver_problems
        summary=$(head -1 <<<"$OUT")
        fault_check_after "$marker"
        fault_rerun
        [ "$FS_NS" = 1 ] && drop_netns
        end_case
        echo "      launch $(awk -v m="$median" 'BEGIN { printf "%.1f", 1000 * m }') ms; $summary"
        if [[ $summary =~ ^([0-9]+)\ kills.*:\ ([0-9]+)\ starting,\ ([0-9]+)\ set-up,\ ([0-9]+)\ running,\ ([0-9]+)\ exited ]]; then
            total=$((total + BASH_REMATCH[1]))
            for m in 0 1 2 3; do n=$((m + 2)); phases[m]=$((phases[m] + BASH_REMATCH[n])); done
        fi
    done
    echo "faults ($MODE): $total random SIGKILLs (FAULT_SEED=$FAULT_SEED): ${phases[0]} before nsspec had a child," \
         "${phases[1]} while the sandbox was set up, ${phases[2]} once the command ran, ${phases[3]} after nsspec had ended"
}

t_fault_sweep() {
    local kind cache idx=0 cold=() marker summary TIMEOUT=300
    if ! command -v strace >/dev/null; then skip "SIGKILL at each syscall" "strace is not installed"; return; fi
    # the cold cache once (the parent's path up to the clone is the same for every spec)
    for kind in entries:cold veth:warm; do
        idx=$((idx + 1)) cache=${kind#*:}
        fault_spec "${kind%:*}"
        begin "SIGKILL at each of nsspec's syscalls (strace), $cache seccomp cache, nothing left: $FS_NAME spec"
        if [ "$FS_NS" = 1 ]; then new_netns || { skip "$CASE" "ip netns add failed"; continue; }; fi
        local lo=(); [ "$FS_NS" = 1 ] && lo=(--only-lo)
        cold=()
        if [ "$cache" = cold ]; then
            cold=(--cold-dir "$D/cold-cache")
            [ -d "$D/cold-cache" ] || { mkdir -m 700 "$D/cold-cache"; chown "$CUID:$CGID" "$D/cold-cache"; }
        fi
        fault_baseline
        marker="30.$$$([ "$MODE" = root ] && echo 3 || echo 4)$idx"
        fault_driver sweep --spec "$FS" --scratch "$D" "${cold[@]}" --marker "$marker" "${lo[@]}" \
            --cache-dir "$FB_CACHE_DIR" --private-tmp "${T##*/}" -- "$NSSPEC" run "$FS" -- /bin/sh -c 'echo up; exec /bin/sleep {marker}'
        fault_driver_problems
        summary=$(head -1 <<<"$OUT")
        fault_check_after "$marker"
        fault_rerun
        [ "$FS_NS" = 1 ] && drop_netns
        end_case
        echo "      $summary"
    done
}
