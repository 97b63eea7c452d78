#!/bin/sh
# scripts/debian-rootfs.sh DIR — build the Debian 12 (bookworm, minbase) root of
# specs/debian-rootfs.yaml with mmdebstrap (`make debian-rootfs` runs it; mmdebstrap comes from
# the Debian package of that name).
#
# The spec maps inside ids 0-65535 to the caller's subordinate range (/etc/subuid, /etc/subgid),
# so the root's files must be owned by that range on the host, as seen from outside:
#  - rootless, mmdebstrap's unshare mode writes exactly that (its user namespace maps 0 to the
#    range's start);
#  - as root, mmdebstrap makes no user namespace and writes the host's own ids (0, 42 for _apt…),
#    which the spec's map would show as nobody: here its tarball is unpacked by tar running as 0
#    in a user namespace that maps 0-65535 to root's range (unshare --map-users).
# Either way the caller needs 65,536 subordinate uids and gids: usermod --add-subuids
# 400000-465535 --add-subgids 400000-465535 "$USER" (root included) gives them.
# The root is built beside DIR and renamed to DIR when complete; an existing DIR is kept
# (`scripts/debian-rootfs.sh --remove DIR`, or `make debian-rootfs-clean`, removes it).
set -eu

# scripts/debian-rootfs.sh --remove DIR: remove it. Rootless, its files belong to the caller's
# subordinate ids, which only a process in a user namespace mapping them may delete: mmdebstrap's
# unshare helper empties it, and the caller, owner of the directory around it, removes it.
if [ "${1:-}" = --remove ]; then
    dir=${2:?usage: scripts/debian-rootfs.sh --remove DIR}
    [ -e "$dir" ] || exit 0
    if [ "$(id -u)" -eq 0 ]; then rm -rf "$dir"; exit; fi
    mmdebstrap --unshare-helper rm -rf "$dir" 2>/dev/null || true
    rmdir "$dir"
    exit
fi

dir=${1:?usage: scripts/debian-rootfs.sh DIR}
suite=bookworm
need=65536

if [ -e "$dir" ]; then
    echo "$dir exists; kept as it is (remove it to build it again)"
    exit 0
fi
command -v mmdebstrap >/dev/null || { echo "debian-rootfs: mmdebstrap is not installed (apt install mmdebstrap)" >&2; exit 1; }

user=$(id -un)
# range FILE: the caller's first range as "START COUNT", or nothing
range() { awk -F: -v u="$user" -v id="$(id -u)" '$1 == u || $1 == id { print $2, $3; exit }' "$1" 2>/dev/null; }
for f in /etc/subuid /etc/subgid; do
    set -- $(range "$f")
    if [ $# -ne 2 ] || [ "$2" -lt "$need" ]; then
        echo "debian-rootfs: $user needs $need subordinate ids in $f (it has ${2:-none}), which the spec maps;" >&2
        echo "  as root: usermod --add-subuids 400000-465535 --add-subgids 400000-465535 $user" >&2
        exit 1
    fi
done
set -- $(range /etc/subuid); uid_start=$1
set -- $(range /etc/subgid); gid_start=$1

partial=$dir.partial-$$
trap '"$0" --remove "$partial" >/dev/null 2>&1; rm -f "$partial.tar"' EXIT INT TERM
if [ "$(id -u)" -ne 0 ]; then
    mmdebstrap --mode=unshare --variant=minbase "$suite" "$partial"
else
    mmdebstrap --mode=root --variant=minbase "$suite" "$partial.tar"
    chmod 644 "$partial.tar"
    mkdir -m 755 "$partial"
    chown "$uid_start:$gid_start" "$partial"
    # Device nodes are left out: tar cannot make them in a user namespace, and the spec mounts /dev.
    unshare --map-users="$uid_start,0,$need" --map-groups="$gid_start,0,$need" --setuid 0 --setgid 0 \
        tar -C "$partial" --exclude='./dev/*' --numeric-owner -xpf "$partial.tar"
    rm -f "$partial.tar"
fi
mv "$partial" "$dir"
trap - EXIT INT TERM
echo "built $dir: Debian $suite (minbase), owned by $user's subordinate ids from $uid_start (uid) and $gid_start (gid)"
