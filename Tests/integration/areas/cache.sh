# shellcheck shell=bash
# Area "cache" of Tests/integration/run.sh (AREAS=cache runs only it): run's cache of compiled
# plans (and seccomp programs) in a real home. Hits and misses, an edited spec, --no-cache, damaged
# entries, a forged entry refused next to the same forgery under the real secret (taken: the tag
# is what protects), the secret out of a sandbox's reach, warnings on a hit, a directory others
# may write, `nsspec cache clear` and `path`. Each mode has its own cache ($CACHE, lib.sh).

CASES+=(t_cache_hits t_cache_damage t_cache_forged t_cache_secret t_cache_warnings t_cache_private t_cache_clear)

# the plan entries in the mode's cache, one per line
cache_plans() { ls "$CACHE"/plan-*.bin 2>/dev/null; }
cache_cold() { run_cmd "$NSSPEC" cache clear; }

t_cache_hits() {
    local s entry before
    s=$(fixture cache/alpha)
    cache_cold
    begin "a first run compiles and stores its plan; the next reads it back"
    run_cmd "$NSSPEC" run -v "$s"; want_rc 0; want_out alpha; want_err_has "nsspec: plan compiled, and stored in the cache ($CACHE/plan-"
    entry=$(cache_plans)
    [ "$(wc -l <<<"$entry")" = 1 ] && [ -n "$entry" ] || problem "expected one plan entry, found: $entry"
    [ "$(stat -c %a "$entry" 2>/dev/null)" = 600 ] || problem "the entry is not 0600: $(stat -c %a "$entry")"
    run_cmd "$NSSPEC" run -v "$s"; want_rc 0; want_out alpha; want_err_has "nsspec: plan from the cache ($entry)"
    end_case

    begin "an edited spec is a miss (stale entry), replaced in place, then a hit"
    sed -i 's/hostname: alpha/hostname: beta/' "$s"
    run_cmd "$NSSPEC" run -v "$s"; want_rc 0; want_out beta; want_err_has "nsspec: plan compiled, and stored in the cache ($entry)"
    [ "$(cache_plans)" = "$entry" ] || problem "the edited spec's plan is not in the same entry: $(cache_plans | tr '\n' ' ')"
    run_cmd "$NSSPEC" run -v "$s"; want_rc 0; want_out beta; want_err_has "nsspec: plan from the cache ($entry)"
    end_case

    begin "a command given after -- is its own entry"
    run_cmd "$NSSPEC" run -v "$s" -- /bin/echo given; want_rc 0; want_out given; want_err_has "plan compiled, and stored"
    [ "$(cache_plans | wc -l)" = 2 ] || problem "expected two entries: $(cache_plans | tr '\n' ' ')"
    run_cmd "$NSSPEC" run -v "$s" -- /bin/echo given; want_out given; want_err_has "plan from the cache"
    end_case

    begin "--no-cache neither reads nor writes the cache"
    before=$(cd "$CACHE" && ls -l --time-style=+%s.%N)
    run_cmd "$NSSPEC" run -v --no-cache "$s"; want_rc 0; want_out beta
    ! grep -q "cache" <<<"$ERR" || problem "--no-cache printed a cache line: $(grep cache <<<"$ERR")"
    [ "$(cd "$CACHE" && ls -l --time-style=+%s.%N)" = "$before" ] || problem "--no-cache changed the cache directory"
    end_case
}

t_cache_damage() {
    local s entry size how
    s=$(fixture cache/alpha)
    for how in flip truncate empty garbage; do
        cache_cold
        run_cmd "$NSSPEC" run "$s"
        entry=$(cache_plans); size=$(stat -c %s "$entry")
        begin "a damaged entry ($how) is a miss, compiled and written anew"
        case $how in
            flip) "$PY" -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 0xFF; open(sys.argv[1], "wb").write(b)' "$entry" ;;
            truncate) truncate -s $((size - 3)) "$entry" ;;
            empty) : >"$entry" ;;
            garbage) head -c "$size" /dev/urandom >"$entry" ;;
        esac
        run_cmd "$NSSPEC" run -v "$s"; want_rc 0; want_out alpha; want_err_has "plan compiled, and stored in the cache ($entry)"
        run_cmd "$NSSPEC" run -v "$s"; want_out alpha; want_err_has "plan from the cache ($entry)"
        end_case
    done
}

t_cache_forged() {
    local a f ea ef
    a=$(fixture cache/alpha) f=$(fixture cache/forged)
    cp "$REPO/Tests/integration/cachetool.py" "$D/cachetool.py"; chmod 644 "$D/cachetool.py"
    cache_cold
    run_cmd "$NSSPEC" run "$a"; ea=$(cache_plans)
    run_cmd "$NSSPEC" run "$f"; ef=$(cache_plans | grep -vxF "$ea")
    [ -n "$ea" ] && [ -n "$ef" ] || { begin "a forged plan entry"; problem "no entries to forge from: $(cache_plans | tr '\n' ' ')"; end_case; return; }

    begin "a forged entry (alpha's key, forged.yaml's plan, tagged without the secret) is refused"
    run_cmd "$PY" "$D/cachetool.py" forge "$ea" "$ef" "$ea" random; want_rc 0
    run_cmd "$NSSPEC" run -v "$a"; want_rc 0; want_out alpha; want_err_has "plan compiled, and stored in the cache ($ea)"
    end_case

    begin "control: the same forgery tagged under the caller's real secret is taken"
    run_cmd "$PY" "$D/cachetool.py" forge "$ea" "$ef" "$ea" real; want_rc 0
    run_cmd "$NSSPEC" run -v "$a"; want_rc 0; want_out forged; want_err_has "plan from the cache ($ea)"
    end_case
    cache_cold
}

t_cache_secret() {
    local serial p pf
    cp "$REPO/Tests/integration/cachetool.py" "$D/cachetool.py"; chmod 644 "$D/cachetool.py"
    p=$(fixture cache/probe) pf=$(fixture cache/probe-filtered)
    run_cmd "$NSSPEC" run "$(fixture cache/alpha)"   # the secret exists once nsspec has run
    serial=$(run_cmd_quiet "$PY" "$D/cachetool.py" serial)

    begin "control: outside any sandbox, the caller finds and reads the cache's secret"
    run_cmd "$PY" "$D/cachetool.py" probe "$serial"; want_rc 0; want_out "search:OK read:OK"
    end_case

    begin "a sandbox with a user namespace of its own and no seccomp filter cannot reach the secret"
    run_as "$p" -- /usr/bin/python3 /cachetool.py probe "$serial"; want_rc 0; want_out "search:ENOKEY read:EACCES"
    end_case

    begin "with the default seccomp filter, keyctl itself is refused"
    run_as "$pf" -- /usr/bin/python3 /cachetool.py probe "$serial"; want_rc 0; want_out "search:EPERM read:EPERM"
    end_case
}

t_cache_warnings() {
    local s first
    s=$(fixture cache/warned)
    cache_cold
    begin "a spec's warnings are printed on a hit as on a miss"
    run_cmd "$NSSPEC" run -v "$s"; want_rc 0; want_err_has "warning: "; want_err_has "init-without-pid"
    first=$(grep -v '^nsspec: ' <<<"$ERR")
    run_cmd "$NSSPEC" run -v "$s"; want_rc 0; want_err_has "plan from the cache"
    [ "$(grep -v '^nsspec: ' <<<"$ERR")" = "$first" ] || problem "the warnings differ on a hit: $(diff <(echo "$first") <(grep -v '^nsspec: ' <<<"$ERR") | tr '\n' ' ')"
    end_case
}

t_cache_private() {
    local s shared
    s=$(fixture cache/alpha)
    shared=$D/shared-cache
    mkdir -p -m 777 "$shared/nsspec"; chmod 777 "$shared" "$shared/nsspec"
    begin "a cache directory that others may write is not used"
    run_cmd env XDG_CACHE_HOME="$shared" "$NSSPEC" run -v "$s"; want_rc 0; want_out alpha
    want_err_has "nsspec: no cache: no private cache directory at $shared/nsspec (it must belong to the caller and be writable by no one else)"
    [ -z "$(ls -A "$shared/nsspec")" ] || problem "nsspec wrote into $shared/nsspec: $(ls -A "$shared/nsspec" | tr '\n' ' ')"
    end_case
    rm -rf "$shared"
}

t_cache_clear() {
    local s bytes
    s=$(fixture cache/alpha)
    cache_cold
    run_cmd "$NSSPEC" run "$s"
    echo keep >"$CACHE/notes.txt"
    bytes=$(stat -c %s "$CACHE"/plan-*.bin "$CACHE"/seccomp-*.bpf | awk '{ n += $1 } END { print n }')
    begin "nsspec cache clear removes every entry and nothing else; nsspec cache path says where"
    run_cmd "$NSSPEC" cache path; want_rc 0; want_out "$CACHE"
    run_cmd "$NSSPEC" cache clear; want_rc 0; want_out "removed 2 entries ($bytes bytes) from $CACHE"
    [ "$(ls -A "$CACHE")" = notes.txt ] || problem "left in $CACHE: $(ls -A "$CACHE" | tr '\n' ' ')"
    run_cmd "$NSSPEC" cache clear; want_out "removed 0 entries (0 bytes) from $CACHE"
    run_cmd "$NSSPEC" run -v "$s"; want_out alpha; want_err_has "plan compiled"
    end_case
    rm -f "$CACHE/notes.txt"
}
