# shellcheck shell=bash
# Area "network" of Tests/integration/run.sh (AREAS=network runs only it). Network: veth pairs, addresses and routes, always inside a throwaway network namespace.
# Sourced by run.sh after lib.sh; each case runs once per mode (root, rootless).

CASES+=(t_network)

VETH_SPEC_HEAD='version: 1
namespaces: [user, mount, uts, ipc, pid, net]
hostname: veth-test'

t_network() {
    local s before after server
    if ! command -v ip >/dev/null; then skip "veth" "ip (iproute2) is not installed"; return; fi
    s=$(spec veth-full <<EOF
$VETH_SPEC_HEAD
network:
  veth:
    - name: eth0
      address: [10.250.0.2/30, "fd00:250::2/64"]
      gateway: 10.250.0.1
      routes: [{to: 10.96.0.0/12, via: 10.250.0.1}, {to: "fd00:96::/48", via: "fd00:250::1"}]
      mtu: 1400
      mac: "02:00:0a:fa:00:02"
      host: {name: nsspec-it0, address: [10.250.0.1/30, "fd00:250::1/64"]}
    - name: eth1
      address: 10.251.0.2/24
$STD_ROOT
  - {type: proc}
process:
  args: [/bin/sh, -c, 'ip -o link show eth0; ip -br addr show eth0; ip -br addr show eth1; ip route; ip -6 route; sleep 1']
  env: {PATH: /usr/sbin:/usr/bin:/sbin:/bin}
EOF
)
    if [ "$MODE" = rootless ]; then
        begin "veth as an unprivileged user: the CAP_NET_ADMIN error, nothing made"
        new_netns || { skip "$CASE" "ip netns add failed"; return; }
        before=$(ns_links)
        run_in_ns "$NSSPEC" run "$s"; want_rc 125
        want_err_has "a veth needs CAP_NET_ADMIN in the host's network namespace, where its host end is made, and uid $CUID does not have it"
        want_err_has "$s:$(line_of "$s" "- name: eth0"):"
        [ "$(ns_links)" = "$before" ] || problem "links changed: $(ns_links | tr '\n' ' ')"
        drop_netns; end_case
        return
    fi

    begin "veth: names, addresses, MTU, MAC and routes inside; the host end outside"
    new_netns || { skip "$CASE" "ip netns add failed"; return; }
    ( sleep 0.5; ip -n "$NS" -o link show nsspec-it0; ip -n "$NS" -br addr show nsspec-it0 ) >"$T/cap/host" 2>&1 &
    run_in_ns "$NSSPEC" run "$s"; want_rc 0
    wait
    want_out_has "eth0@"; want_out_has "mtu 1400"; want_out_has "link/ether 02:00:0a:fa:00:02"
    grep -Eq '^eth0@[^ ]+ +UP +10\.250\.0\.2/30 fd00:250::2/64' <<<"$OUT" || problem "eth0 is not UP with 10.250.0.2/30 fd00:250::2/64"
    grep -Eq '^eth1@[^ ]+ +[A-Z]+ +10\.251\.0\.2/24' <<<"$OUT" || problem "eth1 lacks 10.251.0.2/24"
    want_out_has "default via 10.250.0.1 dev eth0"; want_out_has "10.96.0.0/12 via 10.250.0.1 dev eth0"
    want_out_has "fd00:96::/48 via fd00:250::1 dev eth0"
    grep -q "mtu 1400" "$T/cap/host" || problem "host end: no mtu 1400 in: $(cat "$T/cap/host")"
    grep -q "alias nsspec pid" "$T/cap/host" || problem "host end: no nsspec alias in: $(cat "$T/cap/host")"
    grep -Eq 'nsspec-it0@[^ ]+ +UP +10\.250\.0\.1/30 fd00:250::1/64' "$T/cap/host" || problem "host end: not UP with its addresses: $(cat "$T/cap/host")"
    wait_links_gone
    drop_netns; end_case

    begin "veth: a TCP round trip over IPv4 and IPv6"
    new_netns || { skip "$CASE" "ip netns add failed"; return; }
    s=$(spec veth-tcp <<EOF
$VETH_SPEC_HEAD
network:
  veth:
    - {name: eth0, address: [10.250.0.2/30, "fd00:250::2/64"], gateway: 10.250.0.1,
       host: {name: nsspec-it0, address: [10.250.0.1/30, "fd00:250::1/64"]}}
$STD_ROOT
process:
  args:
    - /usr/bin/python3
    - -c
    - |
      import socket
      for family, host in ((socket.AF_INET, "10.250.0.1"), (socket.AF_INET6, "fd00:250::1")):
          c = socket.socket(family, socket.SOCK_STREAM); c.settimeout(5); c.connect((host, 7777))
          c.sendall(b"ping " + host.encode()); print(c.recv(100).decode()); c.close()
EOF
)
    # the echo server listens on every address of the throwaway namespace, for two connections
    ip netns exec "$NS" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 7777)); s.listen(2); s.settimeout(15); print("ready", flush=True)
for _ in range(2):
    c, a = s.accept(); c.sendall(b"echo: " + c.recv(100)); c.close()
' >"$T/cap/server" 2>&1 &
    server=$!
    for _ in $(seq 100); do grep -q ready "$T/cap/server" && break; sleep 0.02; done
    run_in_ns "$NSSPEC" run "$s"; want_rc 0
    want_out "echo: ping 10.250.0.1
echo: ping fd00:250::1"
    wait "$server" || problem "the echo server failed: $(cat "$T/cap/server")"
    wait_links_gone
    drop_netns; end_case

    begin "veth: a host name that exists is an error at its line, the interface untouched"
    new_netns || { skip "$CASE" "ip netns add failed"; return; }
    ip -n "$NS" link add nsspec-it0 type bridge && ip -n "$NS" addr add 10.9.9.9/32 dev nsspec-it0
    before=$(ip -n "$NS" -d addr show nsspec-it0)
    run_in_ns "$NSSPEC" run "$s"; want_rc 125
    want_err_has "$s:$(line_of "$s" "host: {name: nsspec-it0"):"
    want_err_has "a bridge interface named nsspec-it0 already exists on the host"
    after=$(ip -n "$NS" -d addr show nsspec-it0)
    [ "$before" = "$after" ] || problem "the existing interface changed: $(diff <(echo "$before") <(echo "$after") | tr '\n' ' ')"
    [ "$(ns_links)" = "$(printf 'lo\nnsspec-it0')" ] || problem "links: $(ns_links | tr '\n' ' ')"
    drop_netns; end_case

    begin "veth: back-to-back runs (the last run's host end is still being removed)"
    new_netns || { skip "$CASE" "ip netns add failed"; return; }
    s=$(spec veth-quick <<EOF
$VETH_SPEC_HEAD
network:
  veth:
    - {name: eth0, address: 10.250.0.2/30, host: {name: nsspec-it0, address: 10.250.0.1/30}}
process: {args: [/bin/true]}
EOF
)
    for _ in 1 2 3 4 5; do run_in_ns "$NSSPEC" run "$s"; want_rc 0; done
    wait_links_gone
    drop_netns; end_case

    for kind in route exec; do
        begin "veth: a failure after the pair exists ($kind) leaves no interface, at once"
        new_netns || { skip "$CASE" "ip netns add failed"; return; }
        if [ "$kind" = route ]; then
            # the subnet's own route exists once the address is added: EEXIST from the kernel
            s=$(spec veth-fails <<EOF
$VETH_SPEC_HEAD
network:
  veth:
    - name: eth0
      address: 10.250.0.2/30
      routes: [{to: 10.250.0.0/30}]
      host: {name: nsspec-it0, address: 10.250.0.1/30}
process: {args: [/bin/true]}
EOF
)
            run_in_ns "$NSSPEC" run "$s"; want_rc 125
            want_err_has "$s:$(line_of "$s" "routes:"):"
            want_err_has "network: route 10.250.0.0/30 dev eth0: RTM_NEWROUTE eth0: File exists (EEXIST)"
            want_err_has "hint: the kernel has this route already: adding an address adds the route to its own subnet"
        else
            s=$(spec veth-exec <<EOF
$VETH_SPEC_HEAD
network:
  veth:
    - {name: eth0, address: 10.250.0.2/30, host: {name: nsspec-it0, address: 10.250.0.1/30}}
process: {args: [/nonexistent/cmd]}
EOF
)
            run_in_ns "$NSSPEC" run "$s"; want_rc 127
        fi
        [ "$(ns_links)" = lo ] || problem "left right after the run: $(ns_links | tr '\n' ' ')"
        drop_netns; end_case
    done

    begin "specs/veth.yaml: ip -br addr and ip route show what the spec says"
    new_netns || { skip "$CASE" "ip netns add failed"; return; }
    run_in_ns "$NSSPEC" run "$REPO/specs/veth.yaml"; want_rc 0
    grep -Eq '^eth0@[^ ]+ +UP +10\.250\.0\.2/30 fd00:250::2/64' <<<"$OUT" || problem "eth0 is not UP with its addresses"
    want_out_has "default via 10.250.0.1 dev eth0"; want_out_has "10.96.0.0/12 via 10.250.0.1 dev eth0"
    wait_links_gone
    drop_netns; end_case
}
