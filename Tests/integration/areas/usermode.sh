# shellcheck shell=bash
# Area "usermode" of Tests/integration/run.sh (AREAS=usermode runs only it): network.userMode,
# pasta. Every case runs nsspec inside a throwaway network namespace that plays the host: a veth
# pair from it (h0 10.77.0.1/24 with the default route via 10.77.0.254, which pasta copies) to a
# second throwaway namespace, "remote" (h1 10.77.0.2/24: another machine on the host's network),
# 10.77.1.1 on the host's lo as a server "out there", and servers of usermode.py there. Nothing
# is sent to any address outside namespaces the test made. Rootless, pasta needs /dev/net/tun openable:
# setup.sh gives it the usual mode 0666.

CASES+=(t_usermode_traffic t_usermode_closed t_usermode_loopback t_usermode_errors)

# um_host: the throwaway host (new_netns) with its interfaces and usermode.py's servers;
# um_host_end drops it. UM_SERVERS: the servers' pid.
um_host() {
    new_netns || return 1
    UM_REMOTE=$NS-r
    ip netns add "$UM_REMOTE" && NETNS_MADE+=("$UM_REMOTE") || return 1
    ip -n "$NS" link add h0 type veth peer name h1 netns "$UM_REMOTE" && ip -n "$NS" link set h0 up \
        && ip -n "$NS" addr add 10.77.0.1/24 dev h0 && ip -n "$NS" route add default via 10.77.0.254 dev h0 \
        && ip -n "$NS" addr add 10.77.1.1/32 dev lo \
        && ip -n "$UM_REMOTE" link set h1 up && ip -n "$UM_REMOTE" addr add 10.77.0.2/24 dev h1 || return 1
    cp "$REPO/Tests/integration/usermode.py" "$D/usermode.py"; chmod 755 "$D/usermode.py"
    # The host's resolver, as pasta reads it: this namespace's DNS server (ip netns exec binds
    # /etc/netns/NAME/resolv.conf over /etc/resolv.conf, in its own mount namespace).
    mkdir -p "/etc/netns/$NS" && echo "nameserver 10.77.1.1" >"/etc/netns/$NS/resolv.conf"
    ip netns exec "$NS" "$PY" "$D/usermode.py" host >"$D/um-host.out" 2>&1 &
    UM_SERVERS=$!
    local i
    for i in $(seq 50); do grep -q ready "$D/um-host.out" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
um_host_end() {
    [ -n "$UM_SERVERS" ] && kill "$UM_SERVERS" 2>/dev/null && wait "$UM_SERVERS" 2>/dev/null
    UM_SERVERS=
    rm -rf "/etc/netns/$NS"; rmdir /etc/netns 2>/dev/null
    ip netns del "$UM_REMOTE" 2>/dev/null
    drop_netns
}
# um_run SPEC LOCAL REMOTE: nsspec run SPEC in the throwaway host while usermode.py's clients try
# the published ports, LOCAL's on the host itself, REMOTE's from the remote namespace (each a
# space-separated list of PROTO:ADDRESS:PORT); OUT has the sandbox's lines, CLIENTS the clients'.
um_run() {
    # shellcheck disable=SC2086
    ip netns exec "$NS" "$PY" "$D/usermode.py" clients $2 >"$D/um-local.out" 2>&1 &
    local local_clients=$!
    # shellcheck disable=SC2086
    ip netns exec "$UM_REMOTE" "$PY" "$D/usermode.py" clients $3 >"$D/um-remote.out" 2>&1 &
    local remote_clients=$!
    run_in_ns "$NSSPEC" run "$1"
    wait "$local_clients" "$remote_clients"
    CLIENTS=$(cat "$D/um-local.out" "$D/um-remote.out")
}
want_client() { want "$1 (clients: $(tr '\n' ';' <<<"$CLIENTS"))" grep -q "^$1\$" <<<"$CLIENTS"; }
# No pasta is left of this run, and the published ports are free again.
want_no_pasta() {
    local left
    left=$(pgrep -a -x pasta || true)
    [ -z "$left" ] || problem "pasta left running: $left"
    ip netns exec "$NS" ss -Htln 'sport = :8080' | grep -q . && problem "port 8080 still listened on"
    return 0
}
um_usable() {
    command -v pasta >/dev/null || { skip "$1" "pasta is not installed (Debian package passt; make deps installs it)"; return 1; }
    if [ "$MODE" = rootless ] && ! setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups -- sh -c 'exec 3<>/dev/net/tun' 2>/dev/null; then
        skip "$1" "/dev/net/tun does not open for $TEST_USER (setup.sh gives it mode 0666)"; return 1
    fi
}

t_usermode_traffic() {
    local s
    um_usable "usermode traffic" || return
    s=$(fixture usermode/all)
    begin "userMode: TCP and UDP out to the host's network, published TCP and UDP ports in, DNS through pasta; pasta gone after"
    um_host || { problem "the throwaway host could not be made"; um_host_end; end_case; return; }
    um_run "$s" "tcp:127.0.0.1:8080 tcp:127.0.0.1:8081" "udp:10.77.0.1:5353 once:tcp:10.77.0.1:8080 once:tcp:10.77.0.1:8081"
    want_rc 0
    want_out_has "tcp-out ok"; want_out_has "udp-out ok"; want_out_has "dns 10.9.8.7"
    want_client "tcp:127.0.0.1:8080 ok"; want_client "tcp:127.0.0.1:8081 ok"
    # From another machine: UDP both ways; a TCP connection reaches the sandbox with the
    # client's own address (the sandbox's answer to it is lost by Debian 12's pasta: see
    # docs/user-mode-networking.md, Known limits).
    want_client "udp:10.77.0.1:5353 ok"; want_out_has "udp-from 10.77.0.2"; want_out_has "tcp-from 10.77.0.2"
    # hostAddress: 127.0.0.1 keeps port 8081 from the host's other addresses.
    want_client "tcp:10.77.0.1:8081 ECONNREFUSED"
    want_out_lacks "loopback ok"
    want_no_pasta
    end_case

    begin "userMode: the resolv.conf inside names pasta's forwarder, the host's is untouched; plan shows pasta's command line"
    run_in_ns "$NSSPEC" run "$s" -- /bin/cat /etc/resolv.conf; want_rc 0
    want_out_has "nameserver 169.254.1.1"
    want "the host's resolv.conf is untouched" sh -c '! grep -q 169.254.1.1 /etc/resolv.conf'
    run_cmd "$NSSPEC" plan "$s"; want_rc 0
    want_out_has "pasta --foreground --quiet --ns-ifname eth0 --config-net --tcp-ports 8080:80 --tcp-ports 127.0.0.1/8081:80 --udp-ports 5353:5300 --tcp-ns none --udp-ns none --no-map-gw --dns-forward 169.254.1.1"
    if [ "$MODE" = root ]; then want_out_has "--runas 0"; else want_out_lacks "--runas"; fi
    end_case

    begin "the example specs/usermode.yaml: eth0 with the host's address, its default route, pasta's resolv.conf"
    run_in_ns "$NSSPEC" run "$REPO/specs/usermode.yaml"; want_rc 0
    grep -Eq '^eth0 +UNKNOWN +10\.77\.0\.1/24' <<<"$OUT" || problem "no eth0 with 10.77.0.1/24"
    want_out_has "default via 10.77.0.254 dev eth0"; want_out_has "nameserver 169.254.1.1"
    want_no_pasta
    um_host_end; end_case
}

t_usermode_closed() {
    local s
    um_usable "usermode outbound false" || return
    s=$(fixture usermode/closed)
    begin "userMode outbound: false: nothing leaves the sandbox (no route), the published ports still answer on this host"
    um_host || { problem "the throwaway host could not be made"; um_host_end; end_case; return; }
    um_run "$s" "tcp:127.0.0.1:8080" ""; want_rc 0
    want_out_has "tcp-out ENETUNREACH"; want_out_has "udp-out ENETUNREACH"
    want_client "tcp:127.0.0.1:8080 ok"
    want_no_pasta
    um_host_end; end_case
}

t_usermode_loopback() {
    local s
    um_usable "usermode hostLoopback" || return
    s=$(fixture usermode/loopback)
    begin "userMode hostLoopback: true: the host's 127.0.0.1 services answer at the gateway address (false: not, in the first case)"
    um_host || { problem "the throwaway host could not be made"; um_host_end; end_case; return; }
    um_run "$s" "" ""; want_rc 0
    want_out_has "loopback ok"; want_out_has "tcp-out ok"
    want_no_pasta
    um_host_end; end_case
}

t_usermode_errors() {
    local s p m
    command -v pasta >/dev/null || { skip "usermode errors" "pasta is not installed (Debian package passt)"; return; }
    s=$(fixture usermode/all)
    begin "userMode errors: pasta missing, a host port taken — exit 125, the spec line, nothing left behind"
    um_host || { problem "the throwaway host could not be made"; um_host_end; end_case; return; }
    # pasta hidden: /dev/null over it, in a mount namespace of the test's own.
    local saved=("${PREFIX[@]}")
    PREFIX=(unshare -m sh -c 'mount --bind /dev/null "$(command -v pasta)" && exec "$@"' sh "${saved[@]}")
    run_in_ns "$NSSPEC" run "$s"; want_rc 125
    PREFIX=("${saved[@]}")
    want_err_has "$s:$(line_of "$s" "userMode:"):"; want_err_has "pasta is not installed"; want_err_has "install the Debian package passt"
    # The port taken on the (throwaway) host.
    ip netns exec "$NS" "$PY" -c 'import socket, time; s=socket.socket(); s.bind(("0.0.0.0", 8080)); s.listen(); print("up", flush=True); time.sleep(30)' >"$D/um-taken.out" &
    local taker=$!
    for _ in $(seq 50); do grep -q up "$D/um-taken.out" && break; sleep 0.1; done
    run_in_ns "$NSSPEC" run "$s"; want_rc 125
    kill "$taker"; wait "$taker" 2>/dev/null
    want_err_has "$s:$(line_of "$s" "host: 8080"):"; want_err_has "host port 8080/tcp is already in use on the host"
    run_in_ns "$NSSPEC" validate --host "$s"; want_rc 0
    want_no_pasta
    end_case

    begin "userMode: pasta started, then the process is not found: 127, and pasta is gone"
    m=$(fixture usermode/missing-command)
    run_in_ns "$NSSPEC" run "$m"; want_rc 127
    want_no_pasta
    end_case

    if [ "$MODE" = rootless ]; then
        p=$(fixture usermode/privileged)
        begin "userMode rootless: a host port below 1024 is refused before anything is made, with the reason"
        run_in_ns "$NSSPEC" run "$p"; want_rc 125
        want_err_has "host port 80 is below 1024 (net.ipv4.ip_unprivileged_port_start): uid $CUID may not listen on it"
        run_in_ns "$NSSPEC" validate --host "$p"; want_rc 1; want_out_has "[host-port-privileged]"
        end_case

        begin "userMode rootless: /dev/net/tun not openable (mode 0600) is refused before anything is made, with the fix"
        PREFIX=(unshare -m sh -c 'mount -t tmpfs -o mode=755 tmpfs /dev/net && mknod -m 600 /dev/net/tun c 10 200 && exec "$@"' sh "${saved[@]}")
        run_in_ns "$NSSPEC" run "$s"; want_rc 125
        PREFIX=("${saved[@]}")
        want_err_has "/dev/net/tun is mode 0600: pasta, running as uid $CUID, cannot open it"; want_err_has "chmod 0666 /dev/net/tun"
        want_no_pasta
        end_case
    fi
    um_host_end
}
