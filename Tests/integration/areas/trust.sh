# shellcheck shell=bash
# Area "trust" of Tests/integration/run.sh (AREAS=trust runs only it). Trust: attacks from inside a real sandbox, each next to a control where the protection is off.
# Sourced by run.sh after lib.sh; each case runs once per mode (root, rootless).

CASES+=(t_symlink_escape t_cwd_escape t_keyring t_seccomp)

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
