# shellcheck shell=bash
# Area "namespaces" of Tests/integration/run.sh (AREAS=namespaces runs only it). Namespaces: which are new, hostnames, id maps, joining existing ones.
# Sourced by run.sh after lib.sh; each case runs once per mode (root, rootless).

CASES+=(t_namespaces t_uts t_maps t_subordinate_only t_subordinate_only_unreachable t_join t_join_refused)

t_namespaces() {
    local s n host inside line
    s=$(spec ns5 <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'for n in user mnt uts ipc pid net cgroup time; do echo "\$n \$(readlink /proc/self/ns/\$n)"; done']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "namespaces: user mount uts ipc pid new; net cgroup time shared"
    run_as "$s"; want_rc 0
    [ -n "$OUT" ] && for n in user mnt uts ipc pid net cgroup time; do
        host=$(run_cmd_quiet readlink "/proc/self/ns/$n")
        inside=$(awk -v n="$n" '$1 == n { print $2 }' <<<"$OUT")
        case $n in
            net|cgroup|time) [ -n "$inside" ] && [ "$inside" = "$host" ] || problem "$n: inside '$inside', expected the host's '$host'" ;;
            *)               [ -n "$inside" ] && [ "$inside" != "$host" ] || problem "$n: inside '$inside', expected a new one (host '$host')" ;;
        esac
    done
    end_case

    s=$(spec ns8 <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid, net, cgroup, time]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'for n in user mnt uts ipc pid net cgroup time; do echo "\$n \$(readlink /proc/self/ns/\$n)"; done']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "namespaces: all eight new"
    run_as "$s"; want_rc 0
    [ -n "$OUT" ] && for n in user mnt uts ipc pid net cgroup time; do
        host=$(run_cmd_quiet readlink "/proc/self/ns/$n")
        inside=$(awk -v n="$n" '$1 == n { print $2 }' <<<"$OUT")
        [ -n "$inside" ] && [ "$inside" != "$host" ] || problem "$n: inside '$inside', expected a new one (host '$host')"
    done
    end_case
}

t_uts() {
    local s
    s=$(spec uts <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
hostname: box-$MODE
domainname: example.test
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'hostname; domainname; cat /proc/sys/kernel/hostname /proc/sys/kernel/domainname']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "hostname and domainname"
    run_as "$s"; want_rc 0
    want_out "box-$MODE"$'\n'"example.test"$'\n'"box-$MODE"$'\n'"example.test"
    end_case
}

t_maps() {
    local s start
    s=$(spec map-default <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; echo --; cat /proc/self/setgroups; id -u; id -g']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "maps: default is caller -> 0, setgroups deny"
    run_as "$s"; want_rc 0
    OUT=$(squeeze <<<"$OUT")
    want_out "0 $CUID 1"$'\n'"--"$'\n'"0 $CGID 1"$'\n'"--"$'\n'"deny"$'\n'"0"$'\n'"0"
    end_case

    begin "maps: self + subordinate ranges, process uid/gid 1000"
    if ! command -v newuidmap >/dev/null || ! command -v newgidmap >/dev/null; then
        skip "$CASE" "newuidmap/newgidmap not installed (package uidmap)"; return
    fi
    start=$(sub_start /etc/subuid "$CUSER"); local gstart; gstart=$(sub_start /etc/subgid "$CUSER")
    if [ -z "$start" ] || [ -z "$gstart" ]; then
        skip "$CASE" "$CUSER has no range in /etc/subuid or /etc/subgid (run Tests/integration/setup.sh)"; return
    fi
    s=$(spec map-multi <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
uidMap:
  - {inside: 0, outside: self, count: 1}
  - {inside: 1, outside: subordinate, count: 65536}
gidMap:
  - {inside: 0, outside: self, count: 1}
  - {inside: 1, outside: subordinate, count: 65536}
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; echo --; id -u; id -g']
  env: {PATH: /usr/bin:/bin}
  uid: 1000
  gid: 1000
EOF
)
    run_as "$s"; want_rc 0
    OUT=$(squeeze <<<"$OUT")
    want_out "0 $CUID 1"$'\n'"1 $start 65536"$'\n'"--"$'\n'"0 $CGID 1"$'\n'"1 $gstart 65536"$'\n'"--"$'\n'"1000"$'\n'"1000"
    end_case
}

# Maps of subordinate ids only (no `self`): the caller's own uid and gid are unmapped in the new
# user namespace, where the kernel refuses any file in their name (EOVERFLOW at the first mkdir,
# before nsspec took a mapped id). The sandbox now takes inside 0 (or the map's lowest inside
# id) right after the maps: it builds the tmpfs root, and the process runs as that id, which the
# host sees as the start of the caller's subordinate range (a file it makes in a bound
# world-writable directory, stat'ed from outside). With setgroups deny and allow; as root (root's
# own line in /etc/subuid) and rootless, newuidmap/newgidmap writing the maps.
t_subordinate_only() {
    local s start gstart sg gmap gin w
    start=$(sub_start /etc/subuid "$CUSER"); gstart=$(sub_start /etc/subgid "$CUSER")
    for sg in deny allow; do
        begin "maps of subordinate ids only, setgroups $sg: the sandbox is built and run as a mapped id"
        if ! command -v newuidmap >/dev/null || ! command -v newgidmap >/dev/null; then
            skip "$CASE" "newuidmap/newgidmap not installed (package uidmap)"; continue
        fi
        if [ -z "$start" ] || [ -z "$gstart" ]; then
            skip "$CASE" "$CUSER has no range in /etc/subuid or /etc/subgid (run Tests/integration/setup.sh)"; continue
        fi
        # deny: both maps start at inside 0; allow: the gid map has no 0, so its lowest inside
        # gid (1000) is taken, which the host sees as the range's start.
        if [ "$sg" = deny ]; then gmap="{inside: 0, outside: subordinate, count: 65536}" gin=0
        else gmap="{inside: 1000, outside: subordinate, count: 1000}" gin=1000; fi
        w=$D/sub-only-$sg; rm -rf "$w"; mkdir -m 1777 "$w"
        s=$(spec "sub-only-$sg" <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
uidMap:
  - {inside: 0, outside: subordinate, count: 65536}
gidMap:
  - $gmap
setgroups: $sg
$STD_ROOT
  - {type: proc}
  - {type: dir, target: /home/made, mode: "0700"}
  - {type: bind, source: $w, target: /w}
process:
  args: [/bin/sh, -c, 'id -u; id -g; cat /proc/self/setgroups; stat -c "%u %g %a" /home/made; touch /w/made && echo made']
  env: {PATH: /usr/bin:/bin}
EOF
)
        run_as "$s"; want_rc 0
        want_out "0"$'\n'"$gin"$'\n'"$sg"$'\n'"0 $gin 700"$'\n'"made"
        [ -e "$w/made" ] && [ "$(stat -c '%u %g' "$w/made")" = "$start $gstart" ] \
            || problem "the file the process made is not owned by $start:$gstart on the host: $(stat -c '%u:%g' "$w/made" 2>&1)"
        grep -qF EOVERFLOW <<<"$ERR" && problem "EOVERFLOW on stderr"
        end_case
        rm -rf "$w"
    done
}

# The id the sandbox takes is a stranger to the caller's files: a bind source under a directory
# only the caller may enter (a 0700 home) is refused at preflight, the directory and the fixes
# named, before anything is made; the same bind with the default map (the caller is 0) runs.
t_subordinate_only_unreachable() {
    local s p start
    start=$(sub_start /etc/subuid "$CUSER")
    begin "maps of subordinate ids only and a bind source behind a 0700 directory of the caller's: refused at preflight"
    if ! command -v newuidmap >/dev/null || [ -z "$start" ] || [ -z "$(sub_start /etc/subgid "$CUSER")" ]; then
        skip "$CASE" "newuidmap or $CUSER's subordinate ranges missing (run Tests/integration/setup.sh)"; return
    fi
    p=$D/private; rm -rf "$p"; mkdir -p "$p/proj"; chown -R "$CUID:$CGID" "$p"; chmod 700 "$p"
    s=$(spec sub-only-private <<EOF
version: 1
namespaces: [user, mount, pid]
uidMap: [{inside: 0, outside: subordinate, count: 65536}]
gidMap: [{inside: 0, outside: subordinate, count: 65536}]
$STD_ROOT
  - {type: bind, source: $p/proj, target: /work}
process:
  args: [/bin/true]
EOF
)
    run_as "$s"; want_rc 125
    want_err_has "$s:$(line_of "$s" "source: $p/proj"):5: error: preflight: $p/proj is out of the sandbox's reach: the uid map leaves out your uid $CUID, so the sandbox builds its mounts as uid 0 of the map, uid $start on the host, which $p (mode 0700, owner $CUID) does not let through: Permission denied (EACCES)"
    want_err_has "or let others through: chmod o+x $p"
    end_case
    begin "the same bind with the default map (the caller is 0 inside): runs"
    sed -i '/^uidMap\|^gidMap/d' "$s"
    run_as "$s"; want_rc 0
    end_case
    rm -rf "$p"
}

# Joining namespaces by path: the fork path (a child enters them one by one, then makes PID 1
# with clone(CLONE_PARENT) and exits), which the all-new specs above never take.
t_join() {
    local s helper net uts hostpid user=""
    # The namespaces to join belong to a helper the caller starts: as root, plain net and uts
    # namespaces; rootless, a user namespace of the caller's own with them (joining needs
    # CAP_SYS_ADMIN over a namespace, which the owner of its user namespace has).
    if [ "$MODE" = rootless ]; then
        "${PREFIX[@]}" unshare --user --map-root-user --net --uts sh -c 'hostname joined-box; exec sleep 30' &
    else
        unshare --net --uts sh -c 'hostname joined-box; exec sleep 30' &
    fi
    helper=$!
    for _ in $(seq 200); do
        helper=$(pgrep -f "^sleep 30$" -n -P "$(pgrep -P $$ -n)" 2>/dev/null || echo "$helper")
        [ "$(readlink /proc/$helper/ns/uts 2>/dev/null)" != "$(readlink /proc/self/ns/uts)" ] && break; sleep 0.01
    done
    net=$(readlink /proc/$helper/ns/net) uts=$(readlink /proc/$helper/ns/uts) hostpid=$(readlink /proc/self/ns/pid)
    [ "$MODE" = rootless ] && user="{type: user, path: /proc/$helper/ns/user}, "
    s=$(spec join <<EOF
version: 1
namespaces: [${user}mount, pid, {type: net, path: /proc/$helper/ns/net}, {type: uts, path: /proc/$helper/ns/uts}]
mounts:
  - {type: proc}
process:
  args: [/bin/sh, -c, 'readlink /proc/self/ns/net /proc/self/ns/uts /proc/self/ns/pid; hostname; cat /proc/1/comm; exit 3']
  env: {PATH: /usr/bin:/bin}
EOF
)
    begin "joined net and uts, new pid and mount: PID 1 made by the child, the process's status returned"
    run_as "$s"; want_rc 3
    want_out_has "$net"; want_out_has "$uts"; want_out_has "joined-box"
    grep -q "^pid:" <<<"$OUT" && ! grep -qF "$hostpid" <<<"$OUT" || problem "expected a new pid namespace (host $hostpid)"
    want_out_has "nsspec"
    [ -z "$(pgrep -P $$ -x nsspec)" ] || problem "an nsspec process is left"
    end_case
    kill "$helper" 2>/dev/null; wait 2>/dev/null
}

# Joining a net namespace that `ip netns add` made (a throwaway one; the machine's own network is
# never touched): root joins it; rootless, setns's EPERM is explained — the owner (the initial user
# namespace, through NS_GET_USERNS) and what to do. With a new user namespace the join can never
# work: validate refuses the spec (join-under-new-user), root or not.
t_join_refused() {
    local s line inode
    new_netns || { skip t_join_refused "ip netns add failed"; return; }
    inode=$(stat -L -c %i "/run/netns/$NS")
    s=$(fixture namespaces/join-netns); sed -i "s|@NETNS@|$NS|" "$s"
    line=$(line_of "$s" "namespaces:")
    if [ "$MODE" = root ]; then
        begin "root joins a net namespace of ip netns add"
        run_as "$s"; want_rc 0; want_out "net:[$inode]"
    else
        begin "rootless join of a net namespace of ip netns add: 125, its owner and the way out named"
        run_as "$s"; want_rc 125
        want_err_has "$s:$line:39: error: namespaces: setns(/run/netns/$NS, CLONE_NEWNET): /run/netns/$NS is owned by the initial user namespace (the host's own), over which uid $CUID has no CAP_SYS_ADMIN; a namespace is joined only with CAP_SYS_ADMIN over the user namespace that owns it: Operation not permitted (EPERM)"
        want_err_has "hint: only root joins a namespace of the initial user namespace (\`ip netns add\` makes them so): run nsspec as root"
    fi
    end_case
    s=$(fixture namespaces/join-netns-new-user); sed -i "s|@NETNS@|$NS|" "$s"
    begin "a join under a new user namespace: refused before anything runs, at its spec line"
    run_as "$s"; want_rc 125
    want_err_has "$s:$(line_of "$s" "namespaces:"):45: error: the net namespace at /run/netns/$NS cannot be joined from a new user namespace"
    want_err_has "[join-under-new-user]"
    end_case
    drop_netns
}
