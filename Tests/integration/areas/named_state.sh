# shellcheck shell=bash
# Area "named_state" of Tests/integration/run.sh (AREAS=named_state runs only it): the state of
# named sandboxes (docs/named-sandboxes.md) — the claim of a name (concurrent runs, a claim whose
# process died, a run that fails), root's ps of every user's sandboxes.
# Sourced by run.sh after lib.sh; each case runs once per mode (root, rootless). Names here are
# ns-PID-…, each stopped by its case.

CASES+=(t_named_claim_race t_named_claim_stale t_named_claim_failed_run t_named_root_ps t_named_exec_cache)

# The helpers of areas/named.sh, when that area is not loaded.
declare -F nrun >/dev/null || nrun() {
    local saved=("${PREFIX[@]}") dir=$T/run-$MODE
    [ -d "$dir" ] || { mkdir -m 700 "$dir"; chown "$CUID:$CGID" "$dir"; }
    PREFIX=(env XDG_RUNTIME_DIR="$dir" "${saved[@]}")
    run_cmd "$NSSPEC" "$@"
    PREFIX=("${saved[@]}")
}
declare -F state_dir >/dev/null || state_dir() { if [ "$MODE" = root ]; then echo /run/nsspec; else echo "$T/run-$MODE/nsspec"; fi; }
# The entries of the state directory that belong to NAME (its record, plan, temporary files).
state_entries() { ls -A "$(state_dir)" 2>/dev/null | grep -E "^$1(\.|\$)"; }

t_named_claim_race() {
    local s n=ns-$$-same left
    s=$(fixture named/sleeper)
    begin "8 runs of one name at once: exactly one starts it, the others are told the name is in use (125), nothing set up"
    nrun ps; want_rc 0  # the state directory
    local saved=("${PREFIX[@]}"); PREFIX=(env XDG_RUNTIME_DIR="$T/run-$MODE" "${saved[@]}")
    # Each run prints one line: its status, then what it printed (stdout and stderr).
    run_cmd sh -c 'for i in 1 2 3 4 5 6 7 8; do (out=$("$0" run --name "$1" --detach "$2" 2>&1); echo "rc=$? $out") & done; wait' \
        "$NSSPEC" "$n" "$s"
    PREFIX=("${saved[@]}")
    want "8 runs reported" test "$(grep -c '^rc=' <<<"$OUT")" -eq 8
    want "exactly one printed the name and returned 0" test "$(grep -cx "rc=0 $n" <<<"$OUT")" -eq 1
    want "7 returned 125, the name in use" test "$(grep -c "^rc=125 nsspec: the name '$n' is in use by a" <<<"$OUT")" -eq 7
    nrun ps; want_rc 0
    want "ps lists one $n, running" test "$(grep -cE "^$n +running " <<<"$OUT")" -eq 1
    nrun stop "$n"; want_rc 0; want_out "$n: exited 143"
    left=$(state_entries "$n")
    want "nothing of $n left in $(state_dir): $left" test -z "$left"
    end_case
}

t_named_claim_stale() {
    local s n=ns-$$-stale claimer start
    s=$(fixture named/sleeper)
    begin "a claim (starting) whose nsspec is alive: ps shows starting, exec and stop say so, run says in use; once it died: stale"
    nrun ps; want_rc 0  # the state directory
    # A claim as a run makes it, by a live process of the caller's (a sleeper standing in for it).
    "${PREFIX[@]}" /bin/sleep "30.$$" </dev/null >/dev/null 2>&1 &
    claimer=$!
    sleep 0.2
    start=$(sed 's/.*) //' "/proc/$claimer/stat" | cut -d' ' -f20)
    printf 'version=1\nname=%s\nstate=starting\npid=%s\npid_start=%s\nsupervisor=%s\nsupervisor_start=%s\nspec=%s\nspec_digest=0\ndetached=1\n' \
        "$n" "$claimer" "$start" "$claimer" "$start" "$s" >"$(state_dir)/$n"
    chown "$CUID:$CGID" "$(state_dir)/$n"; chmod 600 "$(state_dir)/$n"
    nrun ps; want_rc 0
    want "ps shows $n starting with the claimer's pid" grep -qE "^$n +starting +$claimer " <<<"$OUT"
    nrun ps --format json; want_rc 0; want_out_has "{\"name\":\"$n\",\"uid\":$CUID,\"status\":\"starting\","
    nrun exec "$n" -- true; want_rc 125; want_err_has "'$n' is starting (nsspec pid $claimer): nothing to enter yet"
    nrun stop "$n"; want_rc 125; want_err_has "'$n' is starting (nsspec pid $claimer): nothing runs yet to stop"
    nrun run --name "$n" --detach "$s"; want_rc 125
    want_err_has "the name '$n' is in use by a sandbox that is starting (nsspec pid $claimer"
    want "the claim is still there" grep -q '^state=starting' "$(state_dir)/$n"
    kill -KILL "$claimer"; wait "$claimer" 2>/dev/null
    nrun ps; want_rc 0
    want "ps shows $n gone once its claimer died" grep -qE "^$n +gone " <<<"$OUT"
    nrun run --name "$n" --detach "$s"; want_rc 0; want_out "$n"
    want_err_has "removed the stale record of '$n' (pid $claimer is gone)"
    nrun stop "$n"; want_rc 0; want_out "$n: exited 143"
    want "nothing of $n left" test -z "$(state_entries "$n")"
    end_case
}

t_named_claim_failed_run() {
    local s bad n=ns-$$-fail
    s=$(fixture named/sleeper)
    bad=$(sed 's#source: /usr, target: /usr#source: /nonexistent-nsspec-test, target: /usr#' "$s" | spec named-bad-mount)
    begin "a named run that fails (at set-up or at exec, detached or not) leaves no claim, record or plan"
    nrun run --name "$n" --detach "$bad"; want_rc 125; want_err_has "does not exist"
    want "no record after a failed set-up (detached): $(state_entries "$n")" test -z "$(state_entries "$n")"
    nrun run --name "$n" "$bad"; want_rc 125
    want "no record after a failed set-up: $(state_entries "$n")" test -z "$(state_entries "$n")"
    nrun run --name "$n" --detach "$s" -- /nonexistent-nsspec-test; want_rc 127
    want "no record after a failed exec (detached): $(state_entries "$n")" test -z "$(state_entries "$n")"
    nrun run --name "$n" "$s" -- /nonexistent-nsspec-test; want_rc 127
    want "no record after a failed exec: $(state_entries "$n")" test -z "$(state_entries "$n")"
    # And the name is free: a run takes it without a word about a stale record.
    nrun run --name "$n" --detach "$s"; want_rc 0; want_out "$n"
    want "no stale record reported" test -z "$ERR"
    nrun stop "$n"; want_rc 0
    end_case
}

t_named_root_ps() {
    local s n=ns-$$-u r=ns-$$-r uid dir made=0 fake=$((4000000 + $$ % 100000)) rec
    if [ "$MODE" != root ] || [ "$HAVE_USER" = 0 ]; then skip "named: root's ps of every user's sandboxes" "checked from the root mode, with $TEST_USER"; return; fi
    s=$(fixture named/sleeper)
    begin "root's ps lists the rootless users' sandboxes with their user; root's stop/exec name the command as that user"
    set_mode rootless
    uid=$CUID dir=/tmp/nsspec-$CUID
    [ -e "$dir" ] || made=1
    # The user's own state directory without XDG_RUNTIME_DIR: /tmp/nsspec-UID, where root looks.
    local saved=("${PREFIX[@]}"); PREFIX=(env -u XDG_RUNTIME_DIR "${saved[@]}")
    run_cmd "$NSSPEC" run --name "$n" --detach "$s"; want_rc 0; want_out "$n"
    PREFIX=("${saved[@]}")
    set_mode root
    nrun run --name "$r" --detach "$s"; want_rc 0
    nrun ps; want_rc 0
    want "root's ps lists $n of $TEST_USER, running" grep -qE "^$n +running +[0-9]+ +[0-9smhd]+ +$TEST_USER +/" <<<"$OUT"
    want "root's ps lists its own $r as root's" grep -qE "^$r +running +[0-9]+ +[0-9smhd]+ +root +/" <<<"$OUT"
    nrun ps --format json; want_rc 0
    want_out_has "{\"name\":\"$n\",\"uid\":$uid,\"status\":\"running\","
    want_out_has "{\"name\":\"$r\",\"uid\":0,\"status\":\"running\","
    nrun stop "$n"; want_rc 125
    want_err_has "'$n' is not root's sandbox but $TEST_USER (uid $uid)'s ($dir/$n); root does not stop another user's sandbox"
    want_err_has "As that user: runuser -u $TEST_USER -- env -u XDG_RUNTIME_DIR nsspec stop $n"
    nrun exec "$n" -- true; want_rc 125; want_err_has "root does not exec another user's sandbox"
    # The user's sandbox is still there; the user sees neither root's nor anyone else's.
    set_mode rootless
    saved=("${PREFIX[@]}"); PREFIX=(env -u XDG_RUNTIME_DIR "${saved[@]}")
    run_cmd "$NSSPEC" ps; want_rc 0
    want "the user's ps lists $n, without a USER column" grep -qE "^$n +running +[0-9]+ +[0-9smhd]+ +/" <<<"$OUT"
    want_out_lacks "$r"; want_out_lacks "USER"
    run_cmd "$NSSPEC" ps --format json; want_rc 0; want_out_has "\"uid\":$uid,"; want_out_lacks "\"uid\":0,"
    # What root's message says to run, as the user: it stops the sandbox.
    run_cmd env -u XDG_RUNTIME_DIR "$NSSPEC" stop "$n"; want_rc 0; want_out "$n: exited 143"
    PREFIX=("${saved[@]}")
    set_mode root
    nrun stop "$r"; want_rc 0
    want "no record of $n left in $dir" test ! -e "$dir/$n" -a ! -e "$dir/$n.plan"
    [ "$made" = 1 ] && rmdir "$dir" 2>/dev/null
    end_case

    begin "root's ps skips a state directory that is not private to its uid (group-writable, a symlink, another owner's)"
    # A record of an unknown uid's in /tmp/nsspec-UID: listed with the uid as USER once private.
    mkdir -m 777 "/tmp/nsspec-$fake"
    rec=$(printf 'version=1\nname=ghost\nstate=exited 3\npid=1\npid_start=1\nsupervisor=1\nsupervisor_start=1\nspec=/s\nspec_digest=0\ndetached=1\n')
    printf '%s\n' "$rec" >"/tmp/nsspec-$fake/ghost"; chown "$fake:$fake" "/tmp/nsspec-$fake/ghost"
    chown "$fake:$fake" "/tmp/nsspec-$fake"
    ln -s "/tmp/nsspec-$fake" "/tmp/nsspec-$((fake + 1))"
    nrun ps; want_rc 0; want_out_lacks "ghost"
    chmod 700 "/tmp/nsspec-$fake"
    nrun ps; want_rc 0
    want "listed once, with the uid as USER, once private" test "$(grep -cE "^ghost +exited 3 +1 +- +$fake +/s\$" <<<"$OUT")" -eq 1
    chown 0:0 "/tmp/nsspec-$fake"
    nrun ps; want_rc 0; want_out_lacks "ghost"
    rm -rf --one-file-system "/tmp/nsspec-$fake" "/tmp/nsspec-$((fake + 1))"
    end_case
}

t_named_exec_cache() {
    local s n=ns-$$-c f
    s=$(fixture named/sleeper)
    begin "exec takes the seccomp filter from run's cache; a damaged entry or --no-cache: compiled, the same filter on"
    rm -f "$CACHE"/seccomp-*.bpf
    nrun run --name "$n" --detach "$s"; want_rc 0
    nrun exec "$n" -- /bin/grep -c '^Seccomp:.2' /proc/self/status; want_rc 0; want_out 1
    f=$(ls "$CACHE"/seccomp-*.bpf 2>/dev/null | head -1)
    want "a seccomp entry in the cache ($CACHE)" test -n "$f"
    # A damaged entry is a miss: exec compiles, and writes it anew.
    [ -n "$f" ] && printf 'NSSC garbage' >"$f"
    nrun exec "$n" -- /bin/grep -c '^Seccomp:.2' /proc/self/status; want_rc 0; want_out 1
    want "the entry written anew" sh -c "[ \$(head -c 4 '$f') = NSSC ] && [ \$(stat -c %s '$f') -gt 100 ]"
    nrun exec --no-cache "$n" -- /bin/grep -c '^Seccomp:.2' /proc/self/status; want_rc 0; want_out 1
    nrun stop "$n"; want_rc 0
    end_case
}
