# shellcheck shell=bash
# Area "overlay" of Tests/integration/run.sh (AREAS=overlay runs only it). Overlay roots and overlay mounts on a
# busybox root the area builds itself: writes land in the upper layer and the lower stays byte for byte as it was;
# a kept upper holds the writes and the mount points afterwards; a read-only union refuses writes (EROFS); a plain
# directory root gets nothing created in it; no mount stays behind, whatever stage fails.
# Sourced by run.sh after lib.sh; each case runs once per mode (root, rootless).

CASES+=(t_overlay_root t_overlay_kept t_overlay_union t_overlay_mount t_overlay_plain_root t_overlay_failures)

# A one-binary system at $D/lower (busybox-static), owned by the caller, plus the other layers:
# $D/data (a bind source and a lower), $D/top and $D/bottom (a union), $D/up and $D/work (a kept upper).
overlay_layers() {
    local b=/bin/busybox c
    [ -x "$b" ] || return 1
    rm -rf "$D/lower" "$D/data" "$D/top" "$D/bottom" "$D/up" "$D/work"
    mkdir -p "$D/lower/bin" "$D/lower/etc" "$D/lower/proc" "$D/lower/tmp" "$D/data" "$D/top" "$D/bottom" "$D/up" "$D/work"
    cp "$b" "$D/lower/bin/busybox"
    for c in sh cat echo mkdir touch ls; do ln -s busybox "$D/lower/bin/$c"; done
    echo original >"$D/lower/etc/motd"
    echo data >"$D/data/x"
    echo top >"$D/top/both"; echo bottom >"$D/bottom/both"; echo only-bottom >"$D/bottom/only-bottom"
    chown -R "$CUID:$CGID" "$D/lower" "$D/data" "$D/top" "$D/bottom" "$D/up" "$D/work"
    chmod -R a+rX "$D/lower" "$D/data" "$D/top" "$D/bottom"
}

# A checksum of every name, mode, owner and content under a directory.
tree_sum() { (cd "$1" && find . -printf '%p %m %U %G %s %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 cat) | sha256sum; }

mounts_now() { run_cmd_quiet cat /proc/self/mountinfo | wc -l; }

need_overlay() {
    overlay_layers || { skip "$CASE" "no /bin/busybox (Debian's busybox-static: make deps installs it)"; return 1; }
    grep -qw overlay /proc/filesystems || { skip "$CASE" "this kernel has no overlayfs"; return 1; }
}

t_overlay_root() {
    local s sum
    begin "overlay root, tmpfs upper: writes to / and /etc, a bind's mount point; the lower unchanged"
    need_overlay || return
    s=$(fixture overlay/root-tmpfs)
    sum=$(tree_sum "$D/lower")
    run_as "$s"; want_rc 0
    want_out "$(printf 'changed\nhi\ndata')"
    want "the lower directory changed (files, modes or contents)" [ "$(tree_sum "$D/lower")" = "$sum" ]
    want "the bind's mount point was made in the lower" [ ! -e "$D/lower/mnt" ]
    end_case
    begin "plan shows the overlay's layers"
    run_cmd "$NSSPEC" plan "$s"; want_rc 0
    want_out_has "overlay as the new root: lower $D/lower (never written), upper a tmpfs of its own (writes discarded at exit)"
    end_case
}

t_overlay_kept() {
    local s sum
    begin "overlay root, kept upper: the writes and the mount points are in the upper afterwards, never in the lower"
    need_overlay || return
    s=$(fixture overlay/root-kept)
    sum=$(tree_sum "$D/lower")
    run_as "$s"; want_rc 0
    want "upper/etc/motd is not the write" [ "$(cat "$D/up/etc/motd" 2>/dev/null)" = kept ]
    want "upper/kept-file is missing" [ "$(cat "$D/up/kept-file" 2>/dev/null)" = new ]
    want "the bind's mount point is not in the upper" [ -d "$D/up/mnt/data" ]
    want "the lower directory changed" [ "$(tree_sum "$D/lower")" = "$sum" ]
    want "the bind's mount point was made in the lower" [ ! -e "$D/lower/mnt" ]
    end_case
}

t_overlay_union() {
    local s
    begin "a read-only union: the top layer wins, both show, a write gets EROFS"
    need_overlay || return
    s=$(fixture overlay/union-ro)
    run_as "$s"; want_rc 1
    want_out "$(printf 'top\nonly-bottom')"
    want_err_has "Read-only file system"
    want "a file appeared in a lower" [ ! -e "$D/top/x" ] && [ ! -e "$D/bottom/x" ]
    end_case
}

t_overlay_mount() {
    local s sum
    begin "an overlay mount with a tmpfs upper: writes stay in the sandbox"
    need_overlay || return
    s=$(fixture overlay/mount-tmpfs)
    sum=$(tree_sum "$D/data")
    run_as "$s"; want_rc 0; want_out "$(printf 'over\nmore')"
    want "the lower directory changed" [ "$(tree_sum "$D/data")" = "$sum" ]
    end_case
}

t_overlay_plain_root() {
    local s sum line
    begin "a plain directory root: a missing mount point is an error at the mount's line, nothing made in it"
    need_overlay || return
    s=$(fixture overlay/plain-root)
    sum=$(tree_sum "$D/lower")
    line=$(line_of "$s" "target: /mnt/data")
    run_as "$s"; want_rc 125
    want_err_has "plain-root.yaml:$line:5: error: mounts: /mnt/data does not exist in the root directory $D/lower, and nsspec creates nothing in the host's copy of a root"
    want_err_has "overlay: tmpfs"
    want "the lower directory changed" [ "$(tree_sum "$D/lower")" = "$sum" ]
    end_case
}

t_overlay_failures() {
    local s before line work
    begin "an overlay refused by the kernel at the mount stage: its line, and no mount left"
    need_overlay || return
    s=$(fixture overlay/fails-late)
    before=$(mounts_now)
    line=$(line_of "$s" "type: overlay")
    run_as "$s"; want_rc 125
    want_err_has "fails-late.yaml:$line:5: error: mounts:"
    want "mounts left behind: $before before, $(mounts_now) after" [ "$(mounts_now)" = "$before" ]
    end_case

    begin "upper and work on different filesystems: refused at preflight (host-overlay), nothing made"
    work=/dev/shm/nsspec-overlay-work-$MODE
    rm -rf "$work"; mkdir -p "$work"; chown "$CUID:$CGID" "$work"
    s=$(fixture overlay/different-fs); sed -i "s|@WORK@|${work#/dev/shm/}|" "$s"
    before=$(mounts_now)
    run_as "$s"; want_rc 125
    want_err_has "error: preflight: the overlay's upper $D/up and work $work are on different filesystems"
    want "mounts left behind" [ "$(mounts_now)" = "$before" ]
    run_cmd "$NSSPEC" validate --host "$s"; want_rc 1; want_out_has "[host-overlay]"
    rm -rf "$work"
    end_case

    begin "overlay validation errors at their spec lines"
    run_cmd "$NSSPEC" validate "$REPO/Tests/Fixtures/invalid/overlay-layers.yaml"; want_rc 1
    want_out_has "overlay-layers.yaml:6:53: error: the overlay's lower layers/b/../a is the same directory as its lower layers/a [overlay-layers]"
    want_out_has "overlay-layers.yaml:4:71: error: the overlay's work state/up/work is inside its upper state/up [overlay-layers]"
    end_case
}
