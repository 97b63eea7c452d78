# shellcheck shell=bash
# Area "host" of Tests/integration/run.sh (AREAS=host runs only it). The host stays as it was, and
# nsspec is safe as root: with `root: host` nothing is created on the host, the host's /proc and
# /sys are read-only in the sandbox, `readonlyRoot` covers the host's whole tree, and the shipped
# examples reach nothing of root's when run as root. Each attack has its control.
# Sourced by run.sh after lib.sh; each case runs once per mode (root, rootless).

CASES+=(t_host_kernel_files t_host_creates_nothing t_host_readonly_root t_examples_safe_as_root t_network_examples_safe_as_root t_sealed_copy t_host_dev)

# A directory of the mode's own, standing for "the host": the cases look for what appears in it.
host_dir() { rm -rf "$D/hostdir" "$D/absent" "$D/scratch" "$D/rw" "$D/x"; mkdir -p "$D/hostdir" "$D/scratch" "$D/rw"; chown -R "$CUID:$CGID" "$D/hostdir" "$D/scratch" "$D/rw"; }
host_listing() { (cd "$D" && find hostdir scratch rw absent x 2>/dev/null | sort); }

t_host_kernel_files() {
    local s probe
    if [ "$MODE" = rootless ]; then
        skip "host /proc/sys read-only under root: host" "rootless, the sandbox's uid 0 is not the host's: the host's kernel files are root's and not writable anyway"
        return
    fi
    s=$(fixture host/core-pattern)
    cp "$REPO/Tests/integration/fixtures/host/kernel-files.py" "$D/"; chmod 644 "$D/kernel-files.py"
    # The control: the same probe on the host, as root, opens every file for writing (and writes nothing).
    begin "control: on the host, root may open core_pattern, sysrq-trigger and ksm/run for writing"
    run_cmd /usr/bin/python3 "$D/kernel-files.py"
    want_rc 0; want_out_has "/proc/sys/kernel/core_pattern opened for writing"; want_out_lacks "EROFS"
    end_case
    begin "root: host without proc, as root: the host's /proc/sys, sysrq-trigger and /sys are read-only (EROFS), /sys/firmware masked"
    run_as "$s"
    want_rc 0
    want_out_has "/proc/sys/kernel/core_pattern EROFS"; want_out_lacks "opened for writing"
    [ -e /proc/sysrq-trigger ] && want_out_has "/proc/sysrq-trigger EROFS"
    [ -e /sys/kernel/mm/ksm/run ] && want_out_has "/sys/kernel/mm/ksm/run EROFS"
    want_out_has "firmware entries: 0"
    want_err_has "[host-uid0-writable-root]"
    end_case
    for f in dir-root-kernel bind-kernel; do
        s=$(fixture host/$f)
        begin "as root, the host's /proc and /sys seen through $f: read-only (EROFS), /sys/firmware masked"
        run_as "$s"
        want_rc 0; want_out_has "kernel/core_pattern EROFS"
        want_out_lacks "opened for writing"; want_out_has "firmware entries: 0"
        end_case
    done
}

t_host_creates_nothing() {
    local s before
    host_dir; before=$(host_listing)
    s=$(fixture host/missing-target)
    begin "root: host: a missing mount target is an error at its line before anything starts; nothing is created"
    run_as "$s"
    want_rc 125; want_err_has "$(basename "$s"):6:"; want_err_has "does not exist on the host, and with root: host nsspec creates nothing there"
    [ -e "$D/absent" ] && problem "$D/absent was created on the host"
    end_case
    s=$(fixture host/target-not-dir)
    echo data >"$D/hostdir/a-file"; chown "$CUID:$CGID" "$D/hostdir/a-file"
    begin "root: host: a tmpfs on a host file is an error at its line before anything starts (not a directory)"
    run_as "$s"
    want_rc 125; want_err_has "$(basename "$s"):5:"; want_err_has "is not a directory on the host"
    [ "$(cat "$D/hostdir/a-file")" = data ] || problem "the host file changed"
    end_case
    rm -f "$D/hostdir/a-file"
    s=$(fixture host/scratch)
    begin "root: host: dir, file and symlink entries are made inside the spec's tmpfs"
    run_as "$s"
    want_rc 0; want_out_has "made inside"; want_out_has "700 directory"
    [ "$(host_listing)" = "$before" ] || problem "the host changed: $(host_listing | tr '\n' ' ')"
    end_case
    s=$(fixture host/symlink-out)
    begin "root: host: a file through a symlink the spec made, pointing at a host directory, is refused (ELOOP); the host dir stays empty"
    run_as "$s"
    want_rc 125; want_err_has "is reached through a symlink"; want_err_has "ELOOP"
    [ -z "$(ls -A "$D/hostdir")" ] || problem "planted on the host: $(ls -A "$D/hostdir")"
    end_case
    s=$(fixture host/bind-inside)
    begin "root: host: a missing mount target under a host directory bound inside the tmpfs is an error, not created through the bind"
    run_as "$s"
    want_rc 125; want_err_has "$(basename "$s"):8:"; want_err_has "does not exist on the host"
    [ -z "$(ls -A "$D/hostdir")" ] || problem "planted on the host: $(ls -A "$D/hostdir")"
    end_case
    begin "validate: a file entry on the host's own tree is an error (host-root-creates)"
    s=$(fixture host/host-creates)
    run_cmd "$NSSPEC" validate "$s"
    want_rc 1; want_out_has "host-creates.yaml:5:26: error: with root: host, this file entry would create $D/hostdir/planted in the host's own tree [host-root-creates]"
    run_as "$s"
    want_rc 125
    [ -z "$(ls -A "$D/hostdir")" ] || problem "planted on the host: $(ls -A "$D/hostdir")"
    end_case
    [ "$(host_listing)" = "$before" ] || { begin "root: host cases leave the host as it was"; problem "the host changed: $(host_listing | tr '\n' ' ')"; end_case; }
}

t_host_readonly_root() {
    local s
    host_dir
    s=$(fixture host/readonly-host-control)
    begin "control: root: host without readonlyRoot, the host's tree is writable to the caller's own files"
    run_as "$s"
    want_rc 0; want_out_has "$D/x writable"; want_out_has "$D/scratch/x writable"; want_out_has "$D/rw/x writable"
    end_case
    rm -f "$D/x"
    s=$(fixture host/readonly-host)
    begin "root: host with readonlyRoot: the host's whole tree is read-only, the spec's tmpfs and writable bind are not"
    run_as "$s"
    want_rc 0; want_out_has "$D/x read-only"; want_out_has "$D/scratch/x writable"; want_out_has "$D/rw/x writable"
    [ -e "$D/x" ] && problem "$D/x was created on the host"
    end_case
}

t_examples_safe_as_root() {
    local f name
    begin "the example specs reach no secret of root's: /etc/shadow is not in the sandbox, /proc/sys is read-only"
    for f in "$REPO"/specs/*.yaml; do
        name=$(basename "$f")
        case $name in
            join-netns.yaml|veth.yaml) continue ;;   # need a named netns / CAP_NET_ADMIN: areas/cli.sh runs them
            usermode.yaml) continue ;;   # pasta on the host's own network: areas/usermode.sh runs userMode in a throwaway one
            debian-rootfs.yaml) continue ;;           # needs make debian-rootfs and the network: make debian-demo runs it
        esac
        cp "$f" "$D/$name"; chmod 644 "$D/$name"
        run_as "$D/$name" -- /bin/sh -c 'cat /etc/shadow >/dev/null 2>&1 && echo "shadow readable"; if (: > /proc/sys/kernel/core_pattern) 2>/dev/null; then echo "core_pattern writable"; fi; echo done'
        [ "$name" = ci-build.yaml ] && [ "$RC" -ne 0 ] && continue   # binds the repository's parent, may be absent
        [ "$name" = rootless-multirange.yaml ] && [ "$RC" -ne 0 ] && continue   # needs a subordinate range for the caller
        want_out_has done
        grep -q "shadow readable\|core_pattern writable" <<<"$OUT" && problem "$name: $OUT"
    done
    end_case
}

# The two network examples need root: join-netns.yaml joins /run/netns/nsspec-demo (made here for
# the case and deleted after), veth.yaml runs inside a throwaway network namespace.
t_network_examples_safe_as_root() {
    local probe='cat /etc/shadow >/dev/null 2>&1 && echo "shadow readable"; (: > /etc/nsspec-probe) 2>/dev/null && echo "/etc writable"; (: > /proc/sys/kernel/core_pattern) 2>/dev/null && echo "core_pattern writable"; echo done'
    if [ "$MODE" = rootless ]; then skip "network examples as root" "they need root (a joined netns, CAP_NET_ADMIN)"; return; fi
    begin "specs/join-netns.yaml as root: runs as nobody over a read-only host tree"
    if [ -e /run/netns/nsspec-demo ]; then
        skip "$CASE" "/run/netns/nsspec-demo exists and is not this suite's"; return
    fi
    ip netns add nsspec-demo && ip -n nsspec-demo link set lo up
    run_as "$REPO/specs/join-netns.yaml" -- /bin/sh -c "id -u; $probe"
    ip netns del nsspec-demo
    want_rc 0; want_out_has 65534; want_out_has done
    grep -q "readable\|writable" <<<"$OUT" && problem "reached: $OUT"
    [ -e /etc/nsspec-probe ] && { rm -f /etc/nsspec-probe; problem "/etc/nsspec-probe was created on the host"; }
    end_case
    begin "specs/veth.yaml as root (in a throwaway netns): /etc/shadow out of reach, /proc/sys read-only"
    new_netns
    run_in_ns "$NSSPEC" run "$REPO/specs/veth.yaml" -- /bin/sh -c "$probe"
    want_rc 0; want_out_has done
    grep -q "readable\|writable" <<<"$OUT" && problem "reached: $OUT"
    drop_netns
    end_case
}

# Without a new pid namespace the sandbox may outlive nsspec: nsspec goes on from a sealed memfd
# copy of itself (trust.sh t_exe attacks it). Control: with a pid namespace and its init, the
# launcher's own file.
t_sealed_copy() {
    local s pid exe i
    host_dir
    s=$(fixture host/sealed-copy)
    for ns in "user, mount" "user, mount, pid"; do
        sed -i "s/^namespaces: .*/namespaces: [$ns]/" "$s"
        if [ "$ns" = "user, mount" ]; then
            begin "no pid namespace: nsspec runs from a sealed copy (its /proc/PID/exe is a memfd); a warning is printed once"
        else
            begin "control: with a pid namespace and its init, nsspec runs from its own file"
        fi
        "${PREFIX[@]}" "$NSSPEC" run "$s" </dev/null >"$T/cap/out" 2>"$T/cap/err" &
        pid=$! exe=
        for i in $(seq 50); do
            exe=$(readlink "/proc/$pid/exe" 2>/dev/null)
            # Read again once a child exists: nsspec re-execs from the copy before it forks, so
            # a readlink taken before pgrep may predate the re-exec (seen under load in CI).
            case $exe in "$NSSPEC"|/memfd:*) pgrep -P "$pid" >/dev/null && { exe=$(readlink "/proc/$pid/exe" 2>/dev/null); break; } ;; esac
            sleep 0.02
        done
        wait "$pid"; RC=$? OUT=$(cat "$T/cap/out") ERR=$(cat "$T/cap/err") CMD_TEXT="[$MODE] nsspec run $s"
        want_rc 0
        if [ "$ns" = "user, mount" ]; then
            [ "$exe" = "/memfd:nsspec (deleted)" ] || problem "nsspec's /proc/PID/exe is '$exe', not the sealed copy"
        else
            [ "$exe" = "$NSSPEC" ] || problem "nsspec's /proc/PID/exe is '$exe', not its own file"
        fi
        [ "$(grep -c "warning:" <<<"$ERR")" -eq 1 ] || problem "the mount-shadowed warning printed $(grep -c "warning:" <<<"$ERR") times, not once (the re-exec printed it again?)"
        end_case
    done
}

t_host_dev() {
    local s
    s=$(fixture host/dev)
    begin "{type: dev} over the host's tree: the minimal /dev, its nodes bound from the host's (opened before the tmpfs covers them)"
    run_as "$s"; want_rc 0
    want_out_has "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero"
    want_out_has "4"
    end_case
}
