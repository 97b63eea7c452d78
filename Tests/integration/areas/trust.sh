# shellcheck shell=bash
# Area "trust" of Tests/integration/run.sh (AREAS=trust runs only it). Trust: attacks from inside a real sandbox, each next to a control where the protection is off.
# Sourced by run.sh after lib.sh; each case runs once per mode (root, rootless).
#
# The checklist of TRUST.md §5 (/work/shared/reference/TRUST.md), item -> where it is tested:
#   1-15  bad input (parser, validator)     Swift fixture tests, Tests/Fixtures/invalid (not here)
#   16 rootfs /proc /sys /dev as symlinks   t_rootfs_symlinks (here)
#   17 bind destination through a symlink,  t_bind_race (here); t_symlink_escape (here) for
#      RENAME_EXCHANGE race                 file/tmpfs targets through /oldroot links in a tmpfs root.
#                                           (found here: a raced `readonly: true` bind could end up
#                                           writable; fixed: attributes set before the bind is attached)
#   18 rootfs /dev/null -> core_pattern     t_dev_null_link (here)
#   19 only fds 0 1 2 inside                t_fds (area process); t_caller_fds (here) for 3..1000
#   20 /proc/self/exe, #!/proc/self/exe     t_exe (here); t_init_hardening (area process): /proc/1/exe.
#                                           (found here: once nsspec was killed under a sandbox with
#                                           init: false, dieWithParent: false; fixed: a sealed copy)
#   21 /proc and /sys masks, sysrq, umount, t_procfs (here); t_mount_types (area mounts) sees the masks
#      mount -t proc
#   22 CapInh/CapAmb 0, Bnd/Prm/Eff, NNP,   t_credentials (here); t_capabilities (area process).
#      Seccomp; setuid binary               Kept capabilities are also in Inh and Amb (documented)
#   23 host-side Uid/Gid of the process     t_host_ids (here)
#   24 setgroups deny, setgroups(0), a      t_setgroups (here); t_maps (area namespaces) reads
#      0604 root:<group> file               /proc/self/setgroups
#   25 TIOCSTI (also high bits), TIOCLINUX  t_seccomp (here, attacks.py; EPERM, and the kernel's own
#                                           answer unconfined); nsspec's setsid leaves no terminal
#   26 ptrace, /proc/PID/environ and mem    t_ptrace (here); t_init_hardening (area process)
#   27 mount propagation to the host        t_propagation (here)
#   28 namespaces new / shared              t_namespaces (area namespaces); t_ns_visible (here): the
#                                           hostname change and the interfaces, seen from the host
#   29 fault injection, leftovers           Swift executor traces (a failure at every system call),
#                                           t_leftovers (area leftovers), area faults (SIGKILLs)
#   30 parent killed: the sandbox dies      t_die_with_parent (area process)
#   31 parent dies before PDEATHSIG         Swift executor traces (parentGoneBeforePdeathsig)
#   32 exit codes                           t_exit_codes (area process), t_missing_source (mounts)
#   33 signals forwarded                    t_sigterm, t_signals_forwarded (area process: INT HUP USR1
#                                           USR2 WINCH QUIT TERM, with and without init)
#   34 zombies reaped                       t_orphans (area process)
#   35 background processes killed          t_orphans (area process)
#   36 1000 sequential/200 concurrent runs  t_load_concurrent, t_load_sequential (area load)
#   37 SIGCHLD ignored, RLIMIT_NOFILE 32,   t_sigchld_ignored (area process); t_caller_fds (here)
#      caller fds 3..1000
#   38 read-only root + masks + tmpfs /tmp  t_readonly_masks (here); t_readonly (area mounts)
#
# Spec files of the cases are in fixtures/trust/; the probes that need an errno are in trust.py
# (and attacks.py, exe-attack.c).

CASES+=(t_symlink_escape t_cwd_escape t_keyring t_seccomp
        t_rootfs_symlinks t_bind_race t_dev_null_link t_exe t_procfs t_credentials t_host_ids
        t_setgroups t_ptrace t_propagation t_ns_visible t_caller_fds t_readonly_masks)

# trust_probes: trust.py in the mode's directory, where the fixtures bind it from
trust_probes() { cp "$REPO/Tests/integration/trust.py" "$D/trust.py"; chmod 644 "$D/trust.py"; }
# variant SPEC NAME SED-SCRIPT: $D/NAME.yaml, SPEC changed by SED-SCRIPT; prints its path
variant() { local f=$D/$2.yaml; sed -e "$3" "$1" >"$f"; chmod 644 "$f"; echo "$f"; }
# field NAME: the second word of stdout's line that starts with NAME (trust.py's "NAME RESULT")
field() { awk -v n="$1" '$1 == n { print $2; exit }' <<<"$OUT"; }
# want_field NAME REGEX: that result matches REGEX (anchored)
want_field() { local got; got=$(field "$1"); [[ $got =~ ^($2)$ ]] || problem "$1: expected $2, got '${got:-nothing}'"; }
# have_subordinate: the caller has subordinate ranges and newuidmap/newgidmap exist
have_subordinate() {
    command -v newuidmap >/dev/null && command -v newgidmap >/dev/null &&
        [ -n "$(sub_start /etc/subuid "$CUSER")" ] && [ -n "$(sub_start /etc/subgid "$CUSER")" ]
}
NO_SUB_REASON="needs newuidmap/newgidmap and a subordinate range of the caller (Tests/integration/setup.sh)"

# The default seccomp profile (trust): each attack from inside a real sandbox, with the errno the
# filter gives, next to the same probes with `seccomp: unconfined`, where the kernel answers
# something else (each probe is built so) — so the test fails if the filter does nothing.
ATTACK_SPEC_HEAD='version: 1
namespaces: [user, mount, uts, ipc, pid]'
attack_spec() {  # attack_spec NAME PROCESS-YAML-LINES
    cp "$REPO/Tests/integration/attacks.py" "$D/attacks.py"; chmod 644 "$D/attacks.py"
    spec "$1" <<EOF
$ATTACK_SPEC_HEAD
$STD_ROOT
  - {type: bind, source: $D/attacks.py, target: /attacks.py, readonly: true}
  - {type: tmpfs, target: /tmp}
  - {type: dev}
  - {type: proc}
process:
  args: [/usr/bin/python3, /attacks.py]
  env: {PATH: /usr/bin:/bin}
$2
EOF
}
ATTACKS="keyctl add_key bpf perf_event_open userfaultfd io_uring_setup unshare-user mount setns ptrace socket-vsock tiocsti tiocsti-high-bits tioclinux"

t_symlink_escape() {
    local s tag=nsspec-escape-$$
    s=$(spec escape <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: symlink, target: /abs, link: /oldroot/tmp}
  - {type: symlink, target: /rel, link: ../../../../../../oldroot/tmp}
  - {type: file, target: /abs/$tag-a, content: "x"}
  - {type: file, target: /rel/$tag-b, content: "x"}
  - {type: tmpfs, target: /abs/$tag-mnt}
process:
  args: [/bin/sh, -c, 'ls /oldroot/tmp']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "a symlink in the new root cannot send a file or mount outside it"
    run_as "$s"; want_rc 0
    want_out_has "$tag-a"; want_out_has "$tag-b"; want_out_has "$tag-mnt"
    want "no $tag* in the host's /tmp" test -z "$(ls -A /tmp | grep -F "$tag")"
    end_case
}

t_cwd_escape() {
    local s
    s=$(spec cwd-escape <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'pwd; ls']
  cwd: /proc/self/fd/7
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "a cwd through an inherited fd to a host directory is refused (CVE-2024-21626)"
    exec 7</etc
    run_as "$s"
    exec 7<&-
    # The caller's fd 7 is closed as the sandbox's process starts, so the path does not exist
    # there (ENOENT); were it open, getcwd would find the directory outside the root.
    want_rc 125; want_out_lacks passwd
    want "the cwd was not refused" grep -Eq "cwd /proc/self/fd/7(: No such file or directory| is outside the sandbox's root)" <<<"$ERR"
    end_case
}

# The caller's keys (trust): the sandbox joins a session keyring of its own, so a key the caller
# holds in its session keyring is out of reach. The control is the same read by the caller,
# which possesses the key and reads it.
t_keyring() {
    local s caller inside key
    cp "$REPO/Tests/integration/keyring.py" "$D/keyring.py"; chmod 644 "$D/keyring.py"
    s=$(spec keyring <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: bind, source: $D/keyring.py, target: /keyring.py, readonly: true}
process:
  env: {PATH: /usr/bin:/bin}
  seccomp: unconfined   # keyctl, to look: the default profile refuses it
EOF
)
    begin "keyring: the caller's session keyring and its keys are out of the sandbox's reach"
    run_cmd /usr/bin/python3 "$D/keyring.py" outer /bin/sh -c "exec \"\$0\" run \"\$1\" -- /usr/bin/python3 /keyring.py inner \"\$NSSPEC_TEST_KEY\"" "$NSSPEC" "$s"
    want_rc 0
    caller=$(grep '^caller ' <<<"$OUT") inside=$(grep '^inside ' <<<"$OUT")
    want "control: the caller reads its own key" grep -q ' read:s3cret$' <<<"$caller"
    want "inside, the caller's session keyring is not the sandbox's" [ "$(cut -d' ' -f2 <<<"$caller")" != "$(cut -d' ' -f2 <<<"$inside")" ]
    want "inside, the caller's key is readable: $inside" grep -Eq ' (EACCES|ENOKEY|EKEYREVOKED)$' <<<"$inside"
    end_case
}

t_seccomp() {
    local s u a got
    s=$(attack_spec seccomp-default "")
    begin "seccomp default: the attacks fail with EPERM, clone3 with ENOSYS; uname works"
    run_as "$s"; want_rc 0
    for a in $ATTACKS; do want_out_has "$a EPERM"; done
    want_out_has "clone3 ENOSYS"; want_out_has "uname ok"
    end_case

    u=$(attack_spec seccomp-unconfined "  seccomp: unconfined")
    begin "seccomp unconfined (control): the same calls reach the kernel"
    run_as "$u"; want_rc 0
    for a in $ATTACKS; do
        got=$(grep "^$a " <<<"$OUT" | cut -d' ' -f2)
        [ -n "$got" ] && [ "$got" != EPERM ] || problem "$a gave '${got:-nothing}' unconfined (expected the kernel's own answer)"
    done
    got=$(grep "^clone3 " <<<"$OUT" | cut -d' ' -f2); [ "$got" != ENOSYS ] || problem "clone3 gave ENOSYS unconfined"
    end_case

    s=$(attack_spec seccomp-deny-uname "  seccomp: {deny: [uname]}")
    begin "seccomp {deny: [uname]}: uname fails with EPERM, the rest as the default profile"
    run_as "$s" -- /bin/sh -c 'uname; echo "uname: $?"; python3 /attacks.py keyctl'
    want "uname's error is not 'Operation not permitted'" grep -q "Operation not permitted" <<<"$ERR"
    want_out_has "uname: 1"; want_out_has "keyctl EPERM"
    end_case

    s=$(attack_spec seccomp-nested "  nestedNamespaces: true")
    begin "seccomp nestedNamespaces: unshare(CLONE_NEWUSER) and setns reach the kernel; mount still EPERM"
    run_as "$s" -- /usr/bin/python3 /attacks.py unshare-user setns mount clone3
    want_rc 0; want_out_has "unshare-user ok"; want_out_has "setns EBADF"; want_out_has "mount EPERM"
    grep -q "^clone3 ENOSYS" <<<"$OUT" && problem "clone3 is still ENOSYS with nestedNamespaces"
    end_case

    s=$(attack_spec seccomp-admin "  capabilities: [CAP_SYS_ADMIN]")
    begin "seccomp with CAP_SYS_ADMIN kept: mount reaches the kernel (ENOENT: no such target)"
    run_as "$s" -- /usr/bin/python3 /attacks.py mount
    want_rc 0; want_out_has "mount ENOENT"
    end_case

    # Ordinary programs under the default profile.
    s=$(attack_spec seccomp-programs "")
    begin "seccomp default: a shell pipeline, Python threads, gcc and make work"
    if ! command -v gcc >/dev/null || ! command -v make >/dev/null; then skip "$CASE" "gcc or make is not installed"; else
        run_as "$s" -- /bin/sh -c '
            set -e
            echo one two | tr a-z A-Z | grep -q "ONE TWO"
            python3 -c "import threading; r=[]; t=[threading.Thread(target=r.append, args=(i,)) for i in range(8)]; [x.start() for x in t]; [x.join() for x in t]; print(\"threads\", len(r))"
            cd /tmp && printf "#include <stdio.h>\nint main(void){puts(\"built and ran\");return 0;}\n" > hello.c
            printf "hello: hello.c\n\tgcc -O2 -o hello hello.c\n" > Makefile
            make -s && ./hello'
        want_rc 0; want_out_has "threads 8"; want_out_has "built and ran"
        end_case
    fi
}

# --- TRUST §5 item 16 ------------------------------------------------------------------------
# A directory root whose /proc, /sys and /dev are symlinks to host directories. nsspec resolves
# every target inside the root (RESOLVE_IN_ROOT), so proc, sysfs and /dev land on directories it
# makes inside the root at the link's path, or the run is refused; the host directories are
# untouched either way. Control: followed on the host, the links do reach the host directories.
t_rootfs_symlinks() {
    local s r=$D/rootfs16 h=$D/host16 t before
    rm -rf "$r" "$h"; mkdir -p "$r/usr"
    for t in proc sys dev; do mkdir -p "$h/$t-target"; echo host >"$h/$t-target/host-file"; done
    ln -s usr/bin "$r/bin"; ln -s usr/lib "$r/lib"; ln -s usr/lib64 "$r/lib64"
    ln -s "$h/proc-target" "$r/proc"                            # absolute
    ln -s "../../../../../../../../../..$h/sys-target" "$r/sys"  # relative, climbing past /
    ln -s "/oldroot$h/dev-target" "$r/dev"                       # the host, as the staging area sees it
    chown -R "$CUID:$CGID" "$r" "$h"; chmod -R a+rX "$r" "$h"
    before=$(find "$h" -printf '%p %y %s %T@\n' | sort)
    s=$(fixture trust/rootfs-symlinks)
    begin "a directory root's /proc, /sys, /dev as symlinks to host directories: mounted inside the root, the host's untouched"
    for t in proc sys; do
        want "control: on the host, $r/$t does not lead to $h/$t-target" grep -qsx host "$r/$t/host-file"
    done
    run_as "$s"
    if [ "$RC" -eq 125 ]; then
        want "refused (125) without naming /proc, /sys or /dev" grep -qE '(/proc|/sys|/dev)' <<<"$ERR"
    else
        want_rc 0
        want_out "/proc proc 0"$'\n'"/sys sysfs 0"$'\n'"/dev tmpfs 0"$'\n'"1"
        want "proc was not mounted at $h/proc-target inside the root (no $r$h/proc-target)" test -d "$r$h/proc-target"
        want "/dev was not made at /oldroot$h/dev-target inside the root" test -d "$r/oldroot$h/dev-target"
    fi
    [ "$(find "$h" -printf '%p %y %s %T@\n' | sort)" = "$before" ] ||
        problem "a host directory behind the links changed: $(diff <(echo "$before") <(find "$h" -printf '%p %y %s %T@\n' | sort) | grep '^[<>]' | tr '\n' ' ')"
    end_case
}

# --- TRUST §5 item 17 ------------------------------------------------------------------------
# Bind destinations through symlinks in a directory root, some raced: while the spec runs 200
# times, a host process swaps /race (a directory) with /evil -> /oldroot$D/marker17, and /roN
# with /roN-link -> /decoy (N = 1..8), in a loop (renameat2 RENAME_EXCHANGE). Two verdicts on the
# same runs: (1) every mount, directory and file lands inside the root (or the run fails with
# 125), the host marker directory never gets an entry; (2) the binds of $D/ro17 at /roN/bound,
# readonly: true, are read-only wherever they land: the process writes to them, and the host
# directory gets no entry.
# Controls: the static link /mnt3, followed on the host, reaches the marker directory; the race
# hits both sides (entries through /evil inside the root, and through /race).
T17_RUNS=200
t_bind_race() {
    local s r=$D/rootfs17 m=$D/marker17 stop=$T/cap/stop17 i racer rounds pairs
    local ok=0 refused=0 eagain=0 bad=0 wrote=0 escaped="" bad_runs="" wrote_run="" first_bad=() first_wrote=()
    rm -rf "$r" "$m" "$D/src17" "$D/ro17" "$D/decoy17" "$D/lower17" "$D/work17" "$stop"
    mkdir -p "$r/usr" "$r/etc" "$r/race" "$r/decoy" "$m" "$D/src17" "$D/ro17" "$D/decoy17" "$D/lower17" "$D/work17"
    echo marker >"$m/host-marker"; echo from-source >"$D/src17/f"; echo ro >"$D/ro17/ro-source"
    ln -s usr/bin "$r/bin"; ln -s usr/lib "$r/lib"; ln -s usr/lib64 "$r/lib64"
    ln -s /etc "$r/mnt"; ln -s ../../../../../../etc "$r/mnt2"; ln -s ../marker17 "$r/mnt3"
    ln -s "/oldroot$m" "$r/evil"
    pairs=("$r/race" "$r/evil")
    for i in 1 2 3 4 5 6 7 8; do mkdir "$r/ro$i"; ln -s /decoy "$r/ro$i-link"; pairs+=("$r/ro$i" "$r/ro$i-link"); done
    chown -R "$CUID:$CGID" "$r" "$m" "$D/src17" "$D/ro17" "$D/decoy17" "$D/lower17" "$D/work17"
    chmod -R a+rX "$r" "$m" "$D/src17" "$D/ro17" "$D/decoy17" "$D/lower17"
    trust_probes
    s=$(fixture trust/bind-race)
    "$PY" "$D/trust.py" exchange "$stop" "${pairs[@]}" >"$T/cap/racer" 2>&1 &
    racer=$!
    for i in $(seq "$T17_RUNS"); do
        run_as "$s"
        case $RC in
            0) if [ "$(head -2 <<<"$OUT")" = "from-source"$'\n'"from-source" ]; then ok=$((ok + 1))
               else bad=$((bad + 1)); [ ${#first_bad[@]} -gt 0 ] || first_bad=("$CMD_TEXT (run $i)" "$RC" "$OUT" "$ERR"); bad_runs+="run $i: the binds through /mnt and /mnt2 are not at /etc/bound, /etc/bound2: $OUT"$'\n'; fi ;;
            125) refused=$((refused + 1)); grep -q EAGAIN <<<"$ERR" && eagain=$((eagain + 1)) ;;
            *) bad=$((bad + 1)); [ ${#first_bad[@]} -gt 0 ] || first_bad=("$CMD_TEXT (run $i)" "$RC" "$OUT" "$ERR"); bad_runs+="run $i: exit code $RC (expected 0, or 125 refused): $ERR"$'\n' ;;
        esac
        if grep -q '^wrote ' <<<"$OUT"; then
            wrote=$((wrote + 1))
            [ -n "$wrote_run" ] || { wrote_run="run $i: $(grep '^wrote ' <<<"$OUT" | tr '\n' ' ')"; first_wrote=("$CMD_TEXT (run $i)" "$RC" "$OUT" "$ERR"); }
        fi
        [ "$(ls -A "$m")" = host-marker ] || { escaped="run $i: $(ls -A "$m" | tr '\n' ' ')"; break; }
    done
    touch "$stop"; wait "$racer"; rounds=$(awk '$1 == "rounds" { print $2 }' "$T/cap/racer")
    echo "     ($MODE: $ok runs succeeded, $refused refused with 125 ($eagain of them EAGAIN from openat2), racer: ${rounds:-?} rounds)"

    begin "bind destinations through symlinks in a directory root, $T17_RUNS runs against a RENAME_EXCHANGE race: never outside the root"
    # a failure shows the first run that went wrong (or the last run)
    [ ${#first_bad[@]} -eq 0 ] || { CMD_TEXT=${first_bad[0]} RC=${first_bad[1]} OUT=${first_bad[2]} ERR=${first_bad[3]}; }
    want "control: on the host, $r/mnt3 does not lead to $m" grep -qsx marker "$r/mnt3/host-marker"
    [ -z "$escaped" ] || problem "ESCAPE: the host marker directory $m got entries ($escaped)"
    [ -z "$bad_runs" ] || problem "$(head -3 <<<"$bad_runs")"
    [ "${rounds:-0}" -gt "$T17_RUNS" ] || problem "the racer made ${rounds:-no} rounds ($(cat "$T/cap/racer")): no race"
    want "control: no run went through the raced symlink (nothing at /oldroot$m inside the root): no race" test -e "$r/oldroot$m/file"
    want "control: no run went through the raced directory: no race" test -e "$r/race/file" -o -e "$r/evil/file"
    want "/mnt3's bind is not inside the root (no $r/marker17/bound3)" test -d "$r/marker17/bound3"
    [ "$ok" -gt 0 ] || problem "no run succeeded ($refused refused)"
    end_case

    begin "a readonly bind whose destination is raced (RENAME_EXCHANGE) stays read-only: the host directory gets no entry"
    [ ${#first_wrote[@]} -eq 0 ] || { CMD_TEXT=${first_wrote[0]} RC=${first_wrote[1]} OUT=${first_wrote[2]} ERR=${first_wrote[3]}; SHOWN_RUN=-1; }
    [ "$(ls -A "$D/ro17")" = ro-source ] && [ "$wrote" = 0 ] ||
        problem "ESCAPE: in $wrote of $T17_RUNS runs the sandbox wrote into the readonly bind of $D/ro17 (host dir now: $(ls -A "$D/ro17" | tr '\n' ' ')); first: $wrote_run. nsspec binds through an fd of the destination, then re-resolves the path for mount_setattr(MOUNT_ATTR_RDONLY): when /roN was swapped in between, the read-only attribute goes to the mount at /decoy/bound and the new bind stays writable"
    end_case
}

# --- TRUST §5 item 18 ------------------------------------------------------------------------
# A directory root whose /dev/null, /dev/console and /dev/pts/0 are symlinks to
# /proc/sys/kernel/core_pattern, with proc mounted: the masks must come from the host's
# /dev/null, not through the root's link (which would put core_pattern, writable, over
# /proc/keys), and core_pattern stays read-only and unchanged. Control: the links do reach
# core_pattern (reading /dev/null inside gives its first line). Nothing is ever written to it.
t_dev_null_link() {
    local s r=$D/rootfs18 n line before after first
    rm -rf "$r"; mkdir -p "$r/usr" "$r/dev/pts"; : >"$r/trust.py"
    ln -s usr/bin "$r/bin"; ln -s usr/lib "$r/lib"; ln -s usr/lib64 "$r/lib64"
    for n in null console pts/0; do ln -s /proc/sys/kernel/core_pattern "$r/dev/$n"; done
    chown -R -h "$CUID:$CGID" "$r"; chmod -R a+rX "$r"
    trust_probes
    s=$(fixture trust/dev-null-link)
    before="$(stat -c '%u %g %a' /proc/sys/kernel/core_pattern) $(cat /proc/sys/kernel/core_pattern)"
    first=$(head -1 /proc/sys/kernel/core_pattern); first=${first:-(empty)}
    begin "a root's /dev/null, /dev/console, /dev/pts/0 -> core_pattern: masks are the host's /dev/null, core_pattern unchanged"
    run_as "$s"; want_rc 0
    for n in /dev/null /dev/console /dev/pts/0; do
        line=$(grep "^open $n " <<<"$OUT")
        [[ $line == "open $n read text:$first write "* ]] || problem "control: $n does not read as core_pattern ('$first') inside: $line"
        # rootless, the kernel checks the owner (the host's root, unmapped) before the mount
        [[ ${line##* write } =~ ^(EROFS$([ "$MODE" = rootless ] && echo '|EACCES'))$ ]] ||
            problem "$n (core_pattern) opened for writing: ${line##* write }, expected EROFS$([ "$MODE" = rootless ] && echo ' or EACCES')"
    done
    want_out_has "open /proc/keys read text:(empty) write ok"
    want_out_has "open /proc/timer_list read text:(empty) write ok"
    after="$(stat -c '%u %g %a' /proc/sys/kernel/core_pattern) $(cat /proc/sys/kernel/core_pattern)"
    [ "$after" = "$before" ] || problem "core_pattern changed: '$before' -> '$after'"
    for n in null console pts/0; do
        [ "$(stat -c '%u %g' "$r/dev/$n")" = "$CUID $CGID" ] && [ "$(readlink "$r/dev/$n")" = /proc/sys/kernel/core_pattern ] ||
            problem "the root's /dev/$n was changed: $(stat -c '%u %g %N' "$r/dev/$n")"
    done
    end_case
}

# --- TRUST §5 item 20 ------------------------------------------------------------------------
# CVE-2019-5736. The process is a script whose interpreter is #!/proc/self/exe: at that exec
# the kernel runs the image of the process making it — nsspec's own binary, from the host —
# inside the sandbox, and exe-attack.so (LD_PRELOAD, standing for a hostile image's library) runs
# in it: it opens /proc/self/exe for writing, then keeps an O_PATH fd of it across an exec and
# reopens that for writing (trust.py reopen). Both must fail (ETXTBSY: nsspec runs, so its binary
# is busy, as long as any process of the sandbox lives; rootless also EACCES, as the binary is
# root's), and the binary's hash stays the same. The case runs its own copy of the launcher.
# Controls: the image is the launcher's binary, and a copy of it that nothing runs (/idle-copy,
# bound writable, the caller's) opens for writing from the same process.
t_exe() {
    local s l=$T/bin/nsspec-exe20 hash dir w
    trust_probes
    begin "a process opens /proc/self/exe for writing: refused; reading works (control)"
    run_as "$(fixture trust/ptrace)" -- /usr/bin/python3 /trust.py exe
    want_rc 0; want_field exe-open-write 'ETXTBSY|EROFS|EACCES'; want_field exe-open-read ok
    end_case

    begin "#!/proc/self/exe runs nsspec's binary inside; its code there cannot open that binary for writing (CVE-2019-5736)"
    if [ ! -s "$T/bin/exe-attack.so" ] && ! { command -v cc >/dev/null &&
        cc -shared -fPIC -O -o "$T/bin/exe-attack.so" "$REPO/Tests/integration/exe-attack.c"; }; then
        skip "$CASE" "no C compiler to build Tests/integration/exe-attack.c"; return
    fi
    cp "$NSSPEC" "$l"; chmod 755 "$l"
    cp "$T/bin/exe-attack.so" "$D/exe-attack.so"; chmod 644 "$D/exe-attack.so"
    printf '#!/proc/self/exe\n' >"$D/shebang"; chmod 755 "$D/shebang"
    cp "$NSSPEC" "$D/idle-copy"; chown "$CUID:$CGID" "$D/idle-copy"; chmod 755 "$D/idle-copy"
    s=$(fixture trust/exe)
    # The launcher's libraries outside /usr (a debug build's Swift runtime), for its image inside.
    for dir in $(ldd "$l" | awk '$3 ~ /^\// { print $3 }' | xargs -r dirname | sort -u | grep -v -e '^/usr/' -e '^/lib'); do
        sed -i "/^  # (the case appends here/a\\  - {type: bind, source: $dir, target: $dir, readonly: true}" "$s"
    done
    hash=$(sha256sum <"$l")
    run_cmd "$l" run "$s"
    want_rc 0
    want "control: the image inside is not the launcher's binary $l (the exec of #!/proc/self/exe did not run it)" grep -qxF "exe-attack image $l" <<<"$OUT"
    w='ETXTBSY'; [ "$MODE" = rootless ] && w='ETXTBSY|EACCES'
    [[ $(grep '^exe-attack open-write ' <<<"$OUT") =~ ^exe-attack\ open-write\ ($w)$ ]] ||
        problem "the launcher's binary, running, opened for writing from inside: expected $w"
    want_out_has "exe-attack open-path ok"
    want_field reopen-write "$w"
    [ "$(field reopen-write)" = ok ] && problem "ESCAPE: the sandbox reopened the launcher's binary for writing through an O_PATH fd of /proc/self/exe and appended to it"
    want_field idle-copy-open-write ok
    [ "$(sha256sum <"$l")" = "$hash" ] || problem "the launcher's binary $l changed (sha256)"
    end_case

    # The same attack in a sandbox that outlives nsspec (init: false, dieWithParent: false),
    # nsspec killed with SIGKILL from outside once the attack holds its fd: no process runs the
    # launcher's file any more, so ETXTBSY would no longer protect it. nsspec therefore runs such
    # a sandbox from a sealed memfd copy of itself: the image inside is that copy, and reopening
    # it for writing fails (EPERM: F_SEAL_WRITE). The launcher copy is the caller's own (as a
    # user's ~/.local/bin/nsspec is; as root, root's). Controls: the sandbox lived on after nsspec
    # died, and the same identity may write an idle copy of the launcher.
    local l2=$T/bin/nsspec-exe20-$MODE bg out=$T/cap/exe-orphan.out err=$T/cap/exe-orphan.err i
    begin "#!/proc/self/exe attack in a sandbox that outlives nsspec (init: false, dieWithParent: false; nsspec SIGKILLed): it runs from a sealed copy, the binary unchanged"
    cp "$NSSPEC" "$l2"; chown "$CUID:$CGID" "$l2"; chmod 755 "$l2"
    s=$(fixture trust/exe-orphan)
    for dir in $(ldd "$l2" | awk '$3 ~ /^\// { print $3 }' | xargs -r dirname | sort -u | grep -v -e '^/usr/' -e '^/lib'); do
        sed -i "/^  # (the case appends here/a\\  - {type: bind, source: $dir, target: $dir, readonly: true}" "$s"
    done
    hash=$(sha256sum <"$l2")
    CMD_TEXT="[$MODE] $(shquote "$l2") run $(shquote "$s")   (then kill -KILL nsspec)"; RC=-
    "${PREFIX[@]}" "$l2" run "$s" </dev/null >"$out" 2>"$err" &
    bg=$!
    for i in $(seq 250); do grep -q '^exe-attack open-path' "$out" && break; kill -0 "$bg" 2>/dev/null || break; sleep 0.02; done
    kill -KILL "$bg" 2>/dev/null; wait "$bg" 2>/dev/null
    for i in $(seq 400); do grep -q '^idle-copy-open-write' "$out" && break; sleep 0.02; done
    OUT=$(cat "$out") ERR=$(cat "$err")
    want "the image inside is nsspec's sealed copy, not the launcher's file $l2" grep -qxF "exe-attack image /memfd:nsspec (deleted)" <<<"$OUT"
    want "control: the sandbox did not outlive nsspec (no reopen result after the kill)" grep -q '^reopen-write ' <<<"$OUT"
    want_field reopen-write EPERM
    want_field idle-copy-open-write ok
    if [ "$(field reopen-write)" = ok ] || [ "$(sha256sum <"$l2")" != "$hash" ]; then
        problem "ESCAPE: once nsspec is gone (SIGKILL), the sandbox reopened nsspec's binary for writing through an O_PATH fd of /proc/self/exe kept from #!/proc/self/exe (sha256 changed: $([ "$(sha256sum <"$l2")" != "$hash" ] && echo yes || echo no))"
    fi
    end_case
}

# --- TRUST §5 item 21 ------------------------------------------------------------------------
# /proc and /sys from inside, as the sandbox's root (trust.py procfs): the masked files read
# empty, /sys/firmware is empty, the read-only ones refuse writing (EROFS; rootless /proc/sys
# answers EACCES first: its owner, the host's root, is unmapped), and unmasking fails: umount of
# a mask and a new proc mount give EPERM. Control: with CAP_SYS_ADMIN kept the same umount and
# mount work, and /proc/keys then shows what its mask hid. (/proc/kcore, /proc/sched_debug and
# /proc/sysrq-trigger are absent on some kernels: "absent" is accepted for them.)
t_procfs() {
    local s
    trust_probes
    s=$(fixture trust/procfs)
    begin "/proc and /sys: masks empty, read-only paths EROFS, umount of a mask and mount -t proc EPERM"
    run_as "$s"; want_rc 0
    want_field /proc/kcore 'empty|EPERM|EACCES|absent'
    want_field /proc/keys 'empty'
    want_field /proc/timer_list 'empty|absent'
    want_field /proc/sched_debug 'empty|absent'
    want_field /proc/acpi 'entries:0|absent'
    want_field /sys/firmware 'entries:0'
    want "/proc/sysrq-trigger opened for writing: expected EROFS" grep -qxE 'open-write /proc/sysrq-trigger (EROFS|absent)' <<<"$OUT"
    want "/proc/sys/kernel/domainname opened for writing: expected EROFS$([ "$MODE" = rootless ] && echo ' (or EACCES)')" \
        grep -qxE "open-write /proc/sys/kernel/domainname (EROFS$([ "$MODE" = rootless ] && echo '|EACCES'))" <<<"$OUT"
    want_field umount-mask EPERM; want_field after-umount empty; want_field mount-proc EPERM
    end_case

    s=$(fixture trust/procfs-admin)
    begin "/proc, control: with CAP_SYS_ADMIN kept, umount of a mask and mount -t proc work, and unmask /proc/keys"
    run_as "$s"; want_rc 0
    want_field umount-mask ok; want_field after-umount 'read:[0-9]+'
    want_field mount-proc ok; want_field new-proc-keys 'read:[0-9]+'
    end_case
}

# --- TRUST §5 item 22 ------------------------------------------------------------------------
# The credentials of a process run as uid 1000 (in the subordinate range): /proc/self/status, and
# /suid-id, a setuid copy of id(1) owned by the caller (uid 0 inside), which must not make it 0.
# Control: with noNewPrivileges: false the same binary does give euid 0 (so the file's setuid bit
# works there, and no_new_privs is what stops it). Kept capabilities: Bnd, Prm and Eff are
# exactly them; nsspec puts them in Inh and Amb too (documented: a non-root process keeps them
# across exec), so TRUST's "CapInh 0, CapAmb 0" holds when none are kept, the default.
t_credentials() {
    local s c f
    begin "the process's capabilities, no_new_privs and seccomp; a setuid-root binary gains nothing"
    if ! have_subordinate; then skip "$CASE" "$NO_SUB_REASON"; return; fi
    cp /usr/bin/id "$D/suid-id"; chown "$CUID:$CGID" "$D/suid-id"; chmod 4755 "$D/suid-id"
    s=$(fixture trust/status)
    run_as "$s"; want_rc 0
    for f in CapInh CapPrm CapEff CapBnd CapAmb; do want_out_has "$f:	0000000000000000"; done
    want_out_has "NoNewPrivs:	1"; want_out_has "Seccomp:	2"
    want_out_has "suid-id: 1000"
    end_case

    c=$(variant "$s" status-nnp-off 's/^  gid: 1000$/&\n  noNewPrivileges: false/')
    begin "control: with noNewPrivileges: false the setuid binary runs as euid 0"
    run_as "$c"; want_rc 0
    want_out_has "NoNewPrivs:	0"
    want "control: the setuid binary did not give euid 0 (a nosuid mount under $D?)" grep -qx "suid-id: 0" <<<"$OUT"
    end_case

    c=$(variant "$s" status-caps 's/^  gid: 1000$/&\n  capabilities: [CAP_NET_BIND_SERVICE, CAP_KILL]/')
    begin "capabilities [CAP_NET_BIND_SERVICE, CAP_KILL] as uid 1000: exactly those in Bnd, Prm, Eff (and Inh, Amb)"
    run_as "$c"; want_rc 0
    for f in CapBnd CapPrm CapEff CapInh CapAmb; do want_out_has "$f:	0000000000000420"; done
    want_out_has "NoNewPrivs:	1"; want_out_has "Seccomp:	2"; want_out_has "suid-id: 1000"
    end_case
}

# --- TRUST §5 item 23 ------------------------------------------------------------------------
# From the host, /proc/PID/status of the sandbox's process: real, effective, saved and fs uid
# and gid all equal the host ids the map gives the process's ids, for three maps: the default
# (caller -> 0), one where 0 is not mapped (caller -> 1000), and caller -> 0 plus the subordinate
# range from 1 (process 1000 -> the range's start + 999, which differs from the other two).
t_host_ids() {
    local name s marker bg pid i uid gid
    for name in ids-default ids-no-root ids-subordinate; do
        begin "host view of the process's ids, $name: Uid and Gid lines all the mapped host ids"
        case $name in
            ids-subordinate)
                if ! have_subordinate; then skip "$CASE" "$NO_SUB_REASON"; continue; fi
                uid=$(( $(sub_start /etc/subuid "$CUSER") + 999 )) gid=$(( $(sub_start /etc/subgid "$CUSER") + 999 )) ;;
            *) uid=$CUID gid=$CGID ;;
        esac
        s=$(fixture "trust/$name")
        marker="23.$$${#name}$RANDOM"
        CMD_TEXT="[$MODE] $(shquote "$NSSPEC") run $(shquote "$s") -- /bin/sleep $marker   (then read its status on the host)"; RC=-; OUT=; ERR=
        "${PREFIX[@]}" "$NSSPEC" run "$s" -- /bin/sleep "$marker" </dev/null >/dev/null 2>"$T/cap/err" &
        bg=$!
        pid=
        for i in $(seq 100); do pid=$(pgrep -fx "/bin/sleep $marker") && break; sleep 0.02; done
        if [ -z "$pid" ]; then ERR=$(cat "$T/cap/err"); problem "the sandbox's process never started"; else
            OUT=$(grep -E '^(Uid|Gid):' "/proc/$pid/status")
            want_out "Uid:	$uid	$uid	$uid	$uid"$'\n'"Gid:	$gid	$gid	$gid	$gid"
            kill -KILL "$pid"
        fi
        wait "$bg" 2>/dev/null
        end_case
    done
}

# --- TRUST §5 item 24 ------------------------------------------------------------------------
# setgroups denied (the default): a process (uid and gid 1000 in the subordinate range, with
# CAP_SETGID kept) cannot drop the caller's supplementary groups, so a host file 0604
# root:<the caller's group> stays unreadable to it, as to the caller (CVE-2014-8989).
# Control: the same spec with `setgroups: allow`, where nsspec drops them, reads the file as
# "other"; on the host, a user without the group reads it too.
t_setgroups() {
    local s c
    begin "setgroups denied: /proc/self/setgroups is deny, setgroups([]) EPERM even with CAP_SETGID"
    if ! have_subordinate; then skip "$CASE" "$NO_SUB_REASON"; return; fi
    trust_probes
    echo s3cret >"$D/secret"; chown "0:$CGID" "$D/secret"; chmod 0604 "$D/secret"
    s=$(fixture trust/groups)
    run_as "$s"; want_rc 0
    want_field setgroups-file deny; want_field setgroups-empty EPERM
    end_case

    begin "setgroups denied: a host file 0604 root:<caller's group> stays unreadable inside"
    if [ "$MODE" = root ]; then
        skip "$CASE" "the caller is root: on the host it reads the file anyway (and has no supplementary group to drop)"
    else
        [ -z "$(run_cmd_quiet cat "$D/secret")" ] || problem "on the host, the caller reads $D/secret (test bug)"
        want "control: on the host, a user without group $CGID cannot read $D/secret" \
            setpriv --reuid="$CUID" --regid=65534 --clear-groups cat "$D/secret" >/dev/null
        want "the caller's group $CGID (0 inside) is not among the process's groups" grep -qxE 'groups (.*,)?0(,.*)?' <<<"$OUT"
        want_field read EACCES
        end_case
    fi

    c=$(fixture trust/groups-allow)
    begin "setgroups, control: with setgroups: allow the groups are dropped and the file reads as other"
    run_as "$c"; want_rc 0
    want_field setgroups-file allow; want_field setgroups-empty ok; want_field groups none; want_field read 'read:7'
    end_case
}

# --- TRUST §5 item 26 ------------------------------------------------------------------------
# From inside, PTRACE_ATTACH to every other pid, and /proc/PID/environ and mem of each
# (trust.py ptrace, which starts a child of its own first). Default: every attach EPERM (the
# filter), and the sandbox's PID 1 — nsspec's tiny init, the only nsspec process in the
# sandbox's pid namespace (the launcher is outside it) — keeps environ and mem closed.
# Control: with CAP_SYS_PTRACE kept the probe attaches to its own child; PID 1 stays refused.
t_ptrace() {
    local s c
    trust_probes
    s=$(fixture trust/ptrace)
    begin "ptrace: attach to every other pid EPERM; PID 1's environ and mem refused; only PID 1 and the probe's child in the pid namespace"
    run_as "$s"; want_rc 0
    want "expected exactly pid 1 (nsspec's init) and the probe's own child inside: $(awk '$1 == "pid" { printf "%s %s; ", $2, $3 }' <<<"$OUT")" \
        [ "$(awk '$1 == "pid" { print ($2 == 1 ? "init:" $3 : $3) }' <<<"$OUT" | sort | tr '\n' ' ')" = "init:nsspec own-child " ]
    grep '^pid ' <<<"$OUT" | grep -v ' attach EPERM ' | grep -q . && problem "an attach gave something other than EPERM"
    want "PID 1's environ or mem was readable" grep -qE '^pid 1 nsspec attach EPERM environ (EACCES|EPERM) mem (EACCES|EPERM)$' <<<"$OUT"
    end_case

    c=$(fixture trust/ptrace-cap)
    begin "ptrace, control: with CAP_SYS_PTRACE kept, attach to its own child works; PID 1 still refused"
    run_as "$c"; want_rc 0
    want "control: attach to its own child failed" grep -qE '^pid [0-9]+ own-child attach ok ' <<<"$OUT"
    want "PID 1 was attachable or readable" grep -qE '^pid 1 nsspec attach EPERM environ (EACCES|EPERM) mem (EACCES|EPERM)$' <<<"$OUT"
    end_case
}

# --- TRUST §5 item 27 ------------------------------------------------------------------------
# The host's $D/shared is made a shared mount (as systemd makes /), bound into the sandbox; the
# process (CAP_SYS_ADMIN kept) mounts a tmpfs under it and writes a file on it. While it waits,
# the host's mountinfo (root's and the caller's) has no such mount, and the host directory does
# not show the file. Control: a file written through the bind itself does appear on the host,
# and the sandbox's own mountinfo has the tmpfs.
t_propagation() {
    local s sh=$D/shared sync=$D/sync bg i
    trust_probes
    rm -rf "$sync"; mkdir -p "$sh" "$sync"; rm -rf "${sh:?}"/*; mkdir "$sh/sub"
    chown -R "$CUID:$CGID" "$sh" "$sync"
    s=$(fixture trust/propagation)
    begin "a tmpfs mounted inside under a bind of a shared host directory: not in the host's mountinfo"
    if ! mount --bind "$sh" "$sh" || ! mount --make-shared "$sh"; then problem "could not make $sh a shared mount on the host"; end_case; return; fi
    CMD_TEXT="[$MODE] $(shquote "$NSSPEC") run $(shquote "$s")   (the host looks while it waits)"
    "${PREFIX[@]}" "$NSSPEC" run "$s" </dev/null >"$T/cap/out" 2>"$T/cap/err" &
    bg=$!
    for i in $(seq 500); do [ -e "$sync/ready" ] && break; kill -0 "$bg" 2>/dev/null || break; sleep 0.02; done
    RC=-; OUT=$(cat "$T/cap/out") ERR=$(cat "$T/cap/err")
    if [ ! -e "$sync/ready" ]; then problem "the sandbox never got ready"; else
        grep -F " $sh/sub " /proc/self/mountinfo && problem "the sandbox's tmpfs is in root's mountinfo"
        run_cmd_quiet cat /proc/self/mountinfo | grep -F " $sh/sub " && problem "the sandbox's tmpfs is in the caller's mountinfo"
        [ -z "$(ls -A "$sh/sub")" ] || problem "the file on the sandbox's tmpfs shows on the host: $(ls -A "$sh/sub")"
        want "control: the file written through the bind is not on the host" grep -qx through-bind "$sh/bind-file"
    fi
    touch "$sync/go"; wait "$bg"; RC=$?
    OUT=$(cat "$T/cap/out") ERR=$(cat "$T/cap/err")
    want_rc 0
    want_field mount ok; want_field write ok
    want "control: the tmpfs is not in the sandbox's own mountinfo" grep -qx "mountinfo /shared/sub tmpfs" <<<"$OUT"
    umount "$sh" || umount -l "$sh"
    end_case
}

# --- TRUST §5 item 28 (the rest of it; t_namespaces compares every /proc/self/ns link) --------
# With CAP_SYS_ADMIN kept, the process renames its host: the host's name is unchanged; in a new
# network namespace it sees only lo. Controls: the rename worked inside, and the host has more
# interfaces than lo.
t_ns_visible() {
    local s host_name host_links
    s=$(fixture trust/uts-net)
    host_name=$(hostname)
    host_links=$("$PY" -c 'import socket; print(*sorted(n for _, n in socket.if_nameindex()))')
    begin "a hostname set inside is not the host's; a new net namespace has only lo"
    run_as "$s"; want_rc 0
    want_out "trust-28-box"$'\n'"lo"
    [ "$(hostname)" = "$host_name" ] || problem "the host's hostname changed: $host_name -> $(hostname)"
    want "control: the host has no interface but lo ($host_links)" [ "$host_links" != lo ]
    end_case
}

# --- TRUST §5 item 37 (RLIMIT_NOFILE and caller fds; a caller ignoring SIGCHLD: t_sigchld_ignored)
# nsspec started by a caller holding fds 3..N open without close-on-exec (on a marker file),
# and/or with RLIMIT_NOFILE 32: it works, with only 0 1 2 inside and PID 1 holding none of them,
# or fails with 125 and says why. Control: the same wrapper exec'ing the shell directly shows the
# fds are inherited. With fds 3..1000 and the limit at 32 no dynamically linked program can start
# (the loader finds no fd under the limit): then /usr/bin/true, the control, fails the same way.
t_caller_fds() {
    local s wrap marker=$D/fd-marker top limit bg child held i
    s=$(fixture trust/caller-fds)
    : >"$marker"; chmod 644 "$marker"
    wrap='import os, resource, sys
top, limit, marker = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
m = os.open(marker, os.O_RDONLY)
for fd in range(3, top + 1):
    if fd != m:
        os.dup2(m, fd, inheritable=True)
if m > top: os.close(m)
else: os.set_inheritable(m, True)
if limit: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
os.execv(sys.argv[4], sys.argv[4:])'

    begin "control: a caller's fds 3..1000 without close-on-exec reach a plain exec"
    run_cmd "$PY" -c "$wrap" 1000 0 "$marker" /bin/sh -c 'ls /proc/$$/fd | wc -l'
    want_rc 0; [ "${OUT:-0}" -ge 1000 ] || problem "only ${OUT:-no} fds reached the shell"
    end_case

    for top_limit in "1000 0" "1000 1024" "2 32" "20 32" "28 32" "29 32" "30 32"; do
        read -r top limit <<<"$top_limit"
        begin "caller fds 3..$top open$([ "$limit" != 0 ] && echo ", RLIMIT_NOFILE $limit"): only 0 1 2 inside (or 125)"
        CMD_TEXT="[$MODE] $PY -c WRAPPER $top $limit $marker $(shquote "$NSSPEC") run $(shquote "$s")"
        "${PREFIX[@]}" "$PY" -c "$wrap" "$top" "$limit" "$marker" "$NSSPEC" run "$s" </dev/null >"$T/cap/out" 2>"$T/cap/err" &
        bg=$!
        # PID 1 lives as long as the sandbox: look at the fds of every process under nsspec.
        held=""
        for i in $(seq 25); do child=$(pgrep -P "$bg" | head -1); [ -n "$child" ] && break; sleep 0.01; done
        if [ -n "$child" ]; then
            for p in $child $(pgrep -P "$child"); do held+=$(ls -l "/proc/$p/fd" 2>/dev/null | grep -F "$marker"); done
        fi
        wait "$bg"; RC=$?
        OUT=$(cat "$T/cap/out") ERR=$(cat "$T/cap/err")
        case $RC in
            0) want_out "0"$'\n'"1"$'\n'"2"$'\n'"$([ "$limit" != 0 ] && echo "$limit" || run_cmd_quiet sh -c 'ulimit -n')" ;;
            125) want "exit 125 without a reason naming EMFILE" grep -q EMFILE <<<"$ERR" ;;
            *) problem "expected exit code 0 (or 125), got $RC" ;;
        esac
        [ -z "$held" ] || problem "a process of the sandbox holds the caller's fd: $held"
        end_case
    done

    begin "caller fds 3..1000 open and RLIMIT_NOFILE 32: 0 or 125, or the loader fails as it does for /usr/bin/true"
    run_cmd "$PY" -c "$wrap" 1000 32 "$marker" "$NSSPEC" run "$s"
    case $RC in
        0) want_out "0"$'\n'"1"$'\n'"2"$'\n'"32" ;;
        125) want "exit 125 without a reason naming EMFILE" grep -q EMFILE <<<"$ERR" ;;
        127) want "exit 127 without the loader's error" grep -q "error while loading shared libraries" <<<"$ERR"
             local rc=$RC; run_cmd "$PY" -c "$wrap" 1000 32 "$marker" /usr/bin/true
             [ "$RC" -ne 0 ] || problem "control: /usr/bin/true starts under the same conditions, nsspec's loader did not ($rc)" ;;
        *) problem "expected exit code 0, 125 (or the loader's 127), got $RC" ;;
    esac
    end_case
}

# --- TRUST §5 item 38 ------------------------------------------------------------------------
# readonlyRoot with proc (masked paths), sysfs and a tmpfs /tmp: creating /x gives EROFS,
# /tmp/x works, the masked directories stay empty and refuse entries. Control: the same spec
# with readonlyRoot: false creates /x.
t_readonly_masks() {
    local s c
    trust_probes
    s=$(fixture trust/readonly-root)
    begin "readonlyRoot + masks + tmpfs /tmp: /x EROFS, /tmp/x works, masked dirs empty and read-only"
    run_as "$s"; want_rc 0
    want_out_has "create /x EROFS"; want_out_has "create /tmp/x ok"
    want_out_has "create /proc/acpi/x EROFS"; want_out_has "create /sys/firmware/x EROFS"
    want_out_has "acpi: 0"; want_out_has "firmware: 0"; want_out_has "keys: 0"
    end_case

    c=$(variant "$s" readonly-root-off 's/^readonlyRoot: true$/readonlyRoot: false/')
    begin "readonlyRoot, control: with readonlyRoot: false, /x is created"
    run_as "$c"; want_rc 0
    want_out_has "create /x ok"
    end_case
}
