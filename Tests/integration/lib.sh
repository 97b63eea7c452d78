# shellcheck shell=bash
# The helper library of the integration suite (Tests/integration/run.sh sources it, then the areas):
# modes (root, rootless), running a command as the caller, specs, case bookkeeping and checks,
# throwaway network namespaces. Expects REPO, T, NSSPEC, TEST_USER and TIMEOUT from run.sh.

# ---------------------------------------------------------------------------------------------
# Modes: set_mode root|rootless sets PREFIX (how to run a command as the caller), CUID, CGID and
# D, the mode's own directory (owned by the caller, world-readable) for specs and data.
# Each mode has a cache of its own (XDG_CACHE_HOME=$T/cache-MODE, so CACHE=$T/cache-MODE/nsspec):
# the suite starts cold and leaves nothing in the callers' homes (the cache's secret, a key in
# each caller's user keyring, stays).
set_mode() {
    MODE=$1
    if [ "$MODE" = root ]; then
        CUID=0 CGID=0 CUSER=root
        PREFIX=(env XDG_CACHE_HOME="$T/cache-$MODE")
    else
        CUID=$(id -u "$TEST_USER") CGID=$(id -g "$TEST_USER") CUSER=$TEST_USER
        PREFIX=(env HOME="/home/$TEST_USER" USER="$TEST_USER" LOGNAME="$TEST_USER" XDG_CACHE_HOME="$T/cache-$MODE"
                setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups --)
    fi
    D=$T/$MODE
    [ -d "$D" ] || { mkdir -m 755 "$D"; chown "$CUID:$CGID" "$D"; }
    [ -d "$T/cache-$MODE" ] || { mkdir -m 700 "$T/cache-$MODE"; chown "$CUID:$CGID" "$T/cache-$MODE"; }
    CACHE=$T/cache-$MODE/nsspec
}

# subordinate range start of a user in FILE (first line), empty if none
sub_start() { awk -F: -v u="$2" '$1 == u { print $2; exit }' "$1" 2>/dev/null; }

# ---------------------------------------------------------------------------------------------
# Running things. run_cmd CMD... runs CMD as the current mode's caller, stdin /dev/null, and sets
# RC, OUT, ERR and CMD_TEXT. run_as SPEC [-- CMD...] is run_cmd nsspec run SPEC [-- CMD...].
RUN_ID=0
run_cmd() {
    RUN_ID=$((RUN_ID + 1))
    CMD_TEXT="[$MODE]"; local a; for a in "$@"; do CMD_TEXT+=" $(shquote "$a")"; done
    # (the outer 2>/dev/null silences bash's own "Illegal instruction"-style job reports)
    { timeout -k 3 "$TIMEOUT" "${PREFIX[@]}" "$@" </dev/null >"$T/cap/out" 2>"$T/cap/err"; } 2>/dev/null
    RC=$?
    OUT=$(cat "$T/cap/out") ERR=$(cat "$T/cap/err")
    [ "$RC" -eq 124 ] && ERR+=$'\n'"[run.sh: timed out after ${TIMEOUT}s]"
}
# quote an argument for display, sh style
shquote() {
    if [[ $1 =~ ^[A-Za-z0-9_./=:,+@%-]+$ ]]; then printf '%s' "$1"
    else local q="'\\''"; printf "'%s'" "${1//\'/$q}"; fi
}
run_as() { local spec=$1; shift; run_cmd "$NSSPEC" run "$spec" "$@"; }

# spec NAME < yaml  -- writes $D/NAME.yaml (0644) and prints its path
spec() { local f=$D/$1.yaml; cat >"$f"; chmod 644 "$f"; echo "$f"; }
# fixture AREA/NAME  -- copies fixtures/AREA/NAME.yaml to $D/NAME.yaml (0644), with @D@ replaced by
# the mode's directory and @STD_ROOT@ by the usual tmpfs root's lines, and prints its path
fixture() {
    local src=$REPO/Tests/integration/fixtures/$1.yaml f=$D/${1##*/}.yaml
    [ -f "$src" ] || { echo "run.sh: no fixture $src" >&2; return 1; }
    FIX_D=$D FIX_STD=$STD_ROOT awk '{ if ($0 == "@STD_ROOT@") print ENVIRON["FIX_STD"]; else { gsub(/@D@/, ENVIRON["FIX_D"]); print } }' "$src" >"$f"
    chmod 644 "$f"; echo "$f"
}

# line of the first line in FILE containing STRING
line_of() { grep -nF -- "$2" "$1" | head -1 | cut -d: -f1; }

# The usual tmpfs root: read-only /usr and /etc, and the Debian 12 symlinks. Specs append mounts.
STD_ROOT='root: tmpfs
mounts:
  - {type: bind, source: /usr, target: /usr, readonly: true}
  - {type: bind, source: /etc, target: /etc, readonly: true}
  - {type: symlink, target: /bin, link: usr/bin}
  - {type: symlink, target: /lib, link: usr/lib}
  - {type: symlink, target: /lib64, link: usr/lib64}
  - {type: symlink, target: /sbin, link: usr/sbin}'

# ---------------------------------------------------------------------------------------------
# Cases. begin NAME; checks (want_*); end_case. A failed check records the run it looked at.
begin() { CASE=$1; PROBLEMS=""; SHOWN_RUN=-1; }
problem() {
    PROBLEMS+="    - $1"$'\n'
    if [ "$SHOWN_RUN" -ne "$RUN_ID" ] && [ "$RUN_ID" -gt 0 ]; then
        SHOWN_RUN=$RUN_ID
        PROBLEMS+="      command:   $CMD_TEXT"$'\n'"      exit code: $RC"$'\n'
        PROBLEMS+="      stdout:$(indent "$OUT")"$'\n'"      stderr:$(indent "$ERR")"$'\n'
    fi
}
# indent TEXT: quoted output for a failure report, at most 20 lines (a crash backtrace is long)
indent() {
    if [ -z "$1" ]; then printf ' (empty)'; return; fi
    local n; n=$(printf '%s\n' "$1" | wc -l)
    printf '\n'; printf '%s\n' "$1" | head -20 | sed 's/^/        | /'
    [ "$n" -le 20 ] || printf '        | ... (%d more lines)\n' $((n - 20))
}
end_case() {
    if [ -z "$PROBLEMS" ]; then
        echo "PASS $CASE ($MODE)"; passed=$((passed + 1))
    else
        echo "FAIL $CASE ($MODE)"; printf '%s' "$PROBLEMS"; failed=$((failed + 1))
    fi
}
skip() { echo "SKIP $1 ($MODE): $2"; skipped=$((skipped + 1)); }

want_rc()       { [ "$RC" -eq "$1" ] || problem "expected exit code $1, got $RC"; }
want_out()      { [ "$OUT" = "$1" ] || problem "expected stdout exactly: $(printf %q "$1")"; }
want_out_has()  { grep -qF -- "$1" <<<"$OUT" || problem "expected stdout to contain: $1"; }
want_out_lacks(){ ! grep -qF -- "$1" <<<"$OUT" || problem "expected stdout not to contain: $1"; }
want_err_has()  { grep -qF -- "$1" <<<"$ERR" || problem "expected stderr to contain: $1"; }
# want DESCRIPTION COMMAND...: the command must succeed
want() { local d=$1; shift; "$@" || problem "$d"; }

# squeeze whitespace of each line (the kernel pads /proc/self/uid_map)
squeeze() { awk '{ $1 = $1; print }'; }

# ---------------------------------------------------------------------------------------------
# run a command as the caller and print its stdout (no bookkeeping)
run_cmd_quiet() { "${PREFIX[@]}" "$@" 2>/dev/null </dev/null; }

# /tmp entries (minus this suite's dir and the scratch dirs of Swift tests — Foundation's, CLITests' —
# which a concurrent `swift test` makes)
tmp_listing() { ls -A /tmp | grep -vx -e "$(basename "$T")" -e 'TemporaryDirectory\..*' -e 'nsspec-cli-.*' | sort; }

# ---------------------------------------------------------------------------------------------
# veth. Every case makes its own throwaway network namespace with `ip netns add`, which plays the
# host: nsspec runs inside it (ip netns exec), so both ends of every pair live in namespaces this
# suite made, and every address exists only there. The machine's own network is never touched.
NETNS_MADE=()
new_netns() {
    local n=nsspec-it-$$-${#NETNS_MADE[@]}
    ip netns add "$n" && ip -n "$n" link set lo up && NETNS_MADE+=("$n") && NS=$n
}
drop_netns() { ip netns del "$NS" 2>/dev/null; }
# run_in_ns CMD...: run_cmd inside the throwaway namespace (as the mode's caller)
run_in_ns() { local saved=("${PREFIX[@]}"); PREFIX=(ip netns exec "$NS" "${saved[@]}"); run_cmd "$@"; PREFIX=("${saved[@]}"); }
# the links of the throwaway namespace, one name per line (without @peer)
ns_links() { ip -n "$NS" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort; }
# wait_links_gone: the namespace's links are back to lo only within 2 s (the host end of a pair
# dies with the sandbox's namespace, which the kernel tears down asynchronously)
wait_links_gone() {
    local i; for i in $(seq 200); do [ "$(ns_links)" = lo ] && return 0; sleep 0.01; done
    problem "left in the throwaway host namespace after the run: $(ns_links | tr '\n' ' ')"
}

# ---------------------------------------------------------------------------------------------
# PRIVATE_TMP: a command prefix (as root) that runs the rest in a mount namespace of its own whose
# /tmp is an empty tmpfs with only this suite's dir, bound back. For the drivers of many launches
# (faults, load), which check that nsspec leaves /tmp and the mount table of the namespace it runs
# in as it found them: the machine's /tmp, which everything running here writes into, cannot tell.
PRIVATE_TMP=(unshare --mount --propagation private -- /bin/sh -c 's="$1/.private-tmp"; mkdir -p "$s" &&
    mount -t tmpfs -o mode=1777,size=64m nsspec-it-tmp "$s" && mkdir "$s/${1##*/}" && mount --bind "$1" "$s/${1##*/}" &&
    mount --move "$s" /tmp && shift && exec "$@"' private-tmp "$T")
