# shellcheck shell=bash
# Area "mounts" of Tests/integration/run.sh (AREAS=mounts runs only it). Mounts: the root kinds, the mount types and their flags, host paths, missing sources.
# Sourced by run.sh after lib.sh; each case runs once per mode (root, rootless).

CASES+=(t_readonly t_tmpfs t_proc t_pivot_root t_mount_types t_directory_root t_host_paths t_missing_source t_devpts_ptmx t_readonly_parent)

t_readonly() {
    local s data
    data=$D/data; rm -rf "$data"; mkdir -m 755 "$data"; chown "$CUID:$CGID" "$data"
    s=$(spec ro-bind <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: bind, source: $data, target: /data, readonly: true}
process:
  args: [/bin/touch, /data/x]
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "read-only bind refuses writes (EROFS)"
    run_as "$s"; want_rc 1; want_err_has "Read-only file system"
    want "/data/x appeared on the host" [ ! -e "$data/x" ]
    end_case

    s=$(spec rw-bind <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: bind, source: $data, target: /data}
process:
  args: [/bin/sh, -c, 'echo hello > /data/y']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "writable bind: the file appears on the host"
    run_as "$s"; want_rc 0
    want "$data/y is missing on the host or wrong" grep -qsx hello "$data/y"
    end_case

    s=$(spec ro-root <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
readonlyRoot: true
$STD_ROOT
  - {type: tmpfs, target: /tmp}
process:
  args: [/bin/sh, -c, 'touch /newfile; echo "root:\$?"; touch /tmp/ok && echo tmp-ok']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "readonlyRoot: / read-only, tmpfs /tmp writable"
    run_as "$s"; want_rc 0
    want_out "root:1"$'\n'"tmp-ok"; want_err_has "Read-only file system"
    end_case
}

t_tmpfs() {
    local s
    s=$(spec tmpfs <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: tmpfs, target: /tmp, size: 16Mi, mode: "1777"}
  - {type: proc}
process:
  args: [/bin/sh, -c, 'stat -c %a /tmp; echo \$(( \$(stat -f -c "%b * %S" /tmp) / 1024 )); df -k /tmp | awk "NR == 2 { print \\\$2 }"']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "tmpfs size 16Mi and mode 1777"
    run_as "$s"; want_rc 0
    want_out "1777"$'\n'"16384"$'\n'"16384"
    end_case
}

t_proc() {
    local s pids
    s=$(spec proc <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'echo "self \$\$"; ls /proc | grep -E "^[0-9]+\$"']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "proc of the new pid namespace"
    run_as "$s"; want_rc 0
    pids=$(grep -vx 'self [0-9]*' <<<"$OUT")
    want "sh's pid is not small (≤ 5)" [ "$(awk '$1 == "self" { print ($2 <= 5) }' <<<"$OUT")" = 1 ]
    want "pid 1 is not in /proc" grep -qx 1 <<<"$pids"
    want "more than 5 pids in /proc: $(echo $pids)" [ "$(grep -c . <<<"$pids")" -le 5 ]
    end_case
}

t_pivot_root() {
    local s marker
    marker=$D/marker-outside; echo x >"$marker"; chmod 644 "$marker"
    s=$(spec pivot <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'for p in /root /var /home /work $T $marker; do [ -e "\$p" ] && echo "visible: \$p"; done; [ -x /usr/bin/env ] && echo usr-ok']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "pivot_root: host paths outside the mount table are gone"
    run_as "$s"; want_rc 0
    want_out "usr-ok"
    end_case
}

t_mount_types() {
    local s m=$D/mt-$MODE
    rm -rf "$m"; mkdir -p "$m"; echo hello-file >"$m/f.txt"; chmod -R a+rX "$m"
    s=$(spec mount-types <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid, net]
root: tmpfs
mounts:
  - {type: bind, source: /usr, target: /usr, readonly: true}
  - {type: symlink, target: /bin, link: usr/bin}
  - {type: symlink, target: /lib, link: usr/lib}
  - {type: symlink, target: /lib64, link: usr/lib64}
  - {type: proc}
  - {type: sysfs}
  - {type: dev}
  - {type: mqueue}
  - {type: devpts, target: /pts2}
  - {type: bind, source: $m/f.txt, target: /etc/f.txt, readonly: true}
  - {type: bind, source: $m, target: /mt, noexec: true, nosuid: true, nodev: true, recursive: false}
  - {type: tmpfs, target: /tmp, size: 1Mi, mode: "0700", noexec: true}
  - {type: dir, target: /a/b/c, mode: "0711"}
  - {type: file, target: /a/b/c/x, content: "xyz", mode: "0600"}
process:
  args: [/bin/sh, -c, 'cat /etc/f.txt; for t in /sys /dev/mqueue /pts2 /mt /tmp; do echo "\$t \$(findmnt -n -o FSTYPE,OPTIONS \$t)"; done; stat -c "%a %s %n" /a/b/c /a/b/c/x; ls /dev; echo "keys: \$(wc -c </proc/keys)"; touch /proc/acpi/x 2>&1; (echo x >/proc/sys/kernel/hostname) 2>&1; echo "firmware: \$(ls /sys/firmware | wc -l)"; exit 0']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "every mount type: bind (file, flags), tmpfs, proc, sysfs, dev, devpts, mqueue, dir, file, symlink"
    run_as "$s"; want_rc 0
    want_out_has hello-file
    want "sysfs read-only" grep -qE '^/sys sysfs +ro,' <<<"$OUT"
    want "mqueue" grep -qE '^/dev/mqueue mqueue ' <<<"$OUT"
    want "devpts newinstance" grep -qE '^/pts2 devpts .*ptmxmode=666' <<<"$OUT"
    want "bind flags" grep -qE '^/mt .*nosuid,nodev,noexec' <<<"$OUT"
    want "tmpfs options" grep -qE '^/tmp tmpfs .*noexec.*size=1024k,mode=700' <<<"$OUT"
    want_out_has "711 60 /a/b/c"; want_out_has "600 3 /a/b/c/x"
    want "minimal /dev" grep -qx urandom <<<"$OUT"
    want "/proc/keys masked (reads as /dev/null)" grep -qx "keys: 0" <<<"$OUT"
    want "/proc/acpi masked (an empty read-only tmpfs)" grep -q "/proc/acpi/x.*Read-only file system" <<<"$OUT"
    want "/proc/sys read-only" grep -q "/proc/sys/kernel/hostname: Read-only file system" <<<"$OUT"
    want "/sys/firmware masked (empty)" grep -qx "firmware: 0" <<<"$OUT"
    end_case
}

t_directory_root() {
    local s r=$D/rootfs-$MODE
    rm -rf "$r"; mkdir -p "$r/usr" "$r/data" "$r/tmp"; echo from-rootfs >"$r/data/marker"
    ln -s usr/bin "$r/bin"; ln -s usr/lib "$r/lib"; ln -s usr/lib64 "$r/lib64"
    chmod -R a+rX "$r"
    s=$(spec dirroot <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
root: {path: $r, readonly: true}
mounts:
  - {type: bind, source: /usr, target: /usr, readonly: true}
  - {type: tmpfs, target: /tmp}
process:
  args: [/bin/sh, -c, 'cat /data/marker; touch /data/x 2>&1; touch /tmp/ok && echo tmp-writable']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "root: a directory, read-only, with the table mounted in it"
    run_as "$s"; want_rc 0
    want_out_has from-rootfs; want_out_has "Read-only file system"; want_out_has tmp-writable
    want "the rootfs directory is unchanged" test ! -e "$r/data/x" -a ! -e "$r/tmp/ok"
    end_case
}

# Host paths are resolved on the host: an absolute symlink as a bind source (as /etc/localtime
# is) names the host's file, and a `..` in root.path can never reach nsspec's staging area
# (where the host's whole root sits at /oldroot).
t_host_paths() {
    local s
    mkdir -p "$D/hp"; echo host-target >"$D/hp/target.txt"; ln -sfn "$D/hp/target.txt" "$D/hp/abs-link"; chmod -R a+rX "$D/hp"
    s=$(spec abs-link-source <<EOF
version: 1
namespaces: [user, mount, pid]
$STD_ROOT
  - {type: bind, source: $D/hp/abs-link, target: /linked.txt, readonly: true}
process:
  args: [/bin/cat, /linked.txt]
EOF
)
    begin "an absolute symlink as a bind source is resolved on the host"
    run_as "$s"; want_rc 0; want_out_has host-target
    end_case
    s=$(spec dotdot-root <<EOF
version: 1
namespaces: [user, mount, pid]
root: {path: /.., readonly: true}
mounts:
  - {type: proc}
process:
  args: [/bin/sh, -c, 'test -e /oldroot && echo "oldroot is visible"; test -d /usr/bin && echo "host root"']
EOF
)
    begin "a .. in root.path is resolved on the host: /.. is the host's root, not the staging area"
    run_as "$s"; want_rc 0; want_out_has "host root"
    grep -q "oldroot is visible" <<<"$OUT" && problem "the staging area's /oldroot is visible inside"
    end_case
}

t_missing_source() {
    local s line
    s=$(spec missing <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: bind, source: /nonexistent-nsspec-src, target: /src}
process:
  args: [/bin/true]
  env: {PATH: /usr/bin:/bin}
EOF
)
    line=$(line_of "$s" /nonexistent-nsspec-src)
    begin "missing bind source: 125 at its spec line"
    run_as "$s"; want_rc 125
    want_err_has "$s:$line:"; want_err_has /nonexistent-nsspec-src
    end_case

    sed 's|target: /src}|target: /src, optional: true}|' "$s" >"$D/missing-optional.yaml"; chmod 644 "$D/missing-optional.yaml"
    begin "missing bind source with optional: true is skipped"
    run_as "$D/missing-optional.yaml"; want_rc 0
    end_case
}

t_devpts_ptmx() {
    local s host_dev inside pts
    host_dev=$(stat -L -c %d /dev/ptmx)
    s=$(fixture mounts/devpts-host)
    begin "a devpts at /dev/pts over the host's tree: /dev/ptmx is the new instance's, not the host's (device $host_dev)"
    run_as "$s"; want_rc 0
    inside=$(awk '$2 == "/dev/ptmx" { print $1 }' <<<"$OUT") pts=$(awk '$2 == "/dev/pts/ptmx" { print $1 }' <<<"$OUT")
    [ -n "$inside" ] && [ "$inside" = "$pts" ] || problem "/dev/ptmx (device $inside) is not the new devpts's ptmx (device $pts)"
    [ "$inside" != "$host_dev" ] || problem "/dev/ptmx is still the host's (device $host_dev)"
    end_case
    s=$(fixture mounts/devpts-tmpfs)
    begin "a devpts at /dev/pts in a tmpfs root without dev: /dev/ptmx is made a link to pts/ptmx"
    run_as "$s"; want_rc 0
    want_out_has "pts/ptmx"
    inside=$(awk '$2 == "/dev/ptmx" { print $1 }' <<<"$OUT") pts=$(awk '$2 == "/dev/pts/ptmx" { print $1 }' <<<"$OUT")
    [ -n "$inside" ] && [ "$inside" = "$pts" ] || problem "/dev/ptmx (device $inside) is not the new devpts's ptmx (device $pts)"
    end_case
}

# A mount point nsspec would make on a read-only mount (EROFS): the entry's spec line, the
# read-only mount and its line (a note), and the fix; each next to its control, where the
# directory exists in the source and the run goes on.
t_readonly_parent() {
    local s
    run_cmd_quiet rm -rf "$D/ro-src"; run_cmd_quiet mkdir "$D/ro-src"
    s=$(fixture mounts/ro-bind-mountpoint)
    begin "a mount point under a read-only bind: 125, the entry, the read-only bind and the fix named"
    run_as "$s"; want_rc 125
    want_err_has "$s:$(line_of "$s" "target: /data/cache"):5: error: mounts: tmpfs at /data/cache (nosuid,nodev): its mount point /data/cache is missing and cannot be made: /data is the read-only bind of $D/ro-src: Read-only file system (EROFS)"
    want_err_has "$s:$(line_of "$s" "target: /data,"):5: note: /data is mounted read-only here"
    want_err_has "Create it in the bind's source (mkdir -p $D/ro-src/cache)"
    end_case
    run_cmd_quiet mkdir "$D/ro-src/cache"
    begin "control: with cache in the bind's source the tmpfs is mounted there"
    run_as "$s"; want_rc 0; want_out "cache is writable"
    end_case

    run_cmd_quiet rm -rf "$D/ro-root"; run_cmd_quiet mkdir -p "$D/ro-root/usr"
    for l in bin lib lib64 sbin; do run_cmd_quiet ln -s "usr/$l" "$D/ro-root/$l"; done
    s=$(fixture mounts/ro-root-mountpoint)
    begin "a mount point missing in a (read-only) directory root: 125 at the mount's line, nothing made, the overlay as the fix"
    run_as "$s"; want_rc 125
    want_err_has "$s:$(line_of "$s" "target: /tmp"):5: error: mounts: /tmp does not exist in the root directory $D/ro-root, and nsspec creates nothing in the host's copy of a root"
    want_err_has "use root: {path: $D/ro-root, overlay: tmpfs}"
    want "a mount point was made in the root directory" [ ! -e "$D/ro-root/tmp" ]
    end_case
    run_cmd_quiet mkdir "$D/ro-root/tmp"
    begin "control: with tmp in the root directory it runs"
    run_as "$s"; want_rc 0; want_out "tmp is writable"
    end_case
}
