#!/bin/sh
# Prepare this machine for Tests/integration/run.sh. Run as root; idempotent; installs nothing.
#  - creates the unprivileged test user nsspec-test (home directory, shell /bin/sh) if missing
#  - gives it the subordinate id range 300000-365535 in /etc/subuid and /etc/subgid
#  - gives root the subordinate id range 400000-465535, so the multi-range cases also run as root
#  - gives /dev/net/tun the usual mode 0666 when it is stricter (some hosts ship it 0600), so
#    that pasta (network.userMode) runs as the test user; opening it grants nothing without
#    CAP_NET_ADMIN over a network namespace
# A range is added only when that user has no line in the file yet.
set -eu

TEST_USER=nsspec-test

if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: must run as root" >&2
    exit 1
fi

if id -u "$TEST_USER" >/dev/null 2>&1; then
    echo "user $TEST_USER exists (uid $(id -u "$TEST_USER")); left as is"
else
    # -K SUB_*_COUNT=0: no automatic subordinate range (Debian's useradd would pick 100000-165535);
    # the range below is the one the suite documents.
    useradd -m -s /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$TEST_USER"
    echo "created user $TEST_USER (uid $(id -u "$TEST_USER"))"
fi

# add_range FILE USER START COUNT
add_range() {
    file=$1 user=$2 start=$3 count=$4
    [ -e "$file" ] || { : >"$file"; chmod 644 "$file"; echo "created empty $file"; }
    if grep -q "^$user:" "$file"; then
        echo "$file: $user already has a line ($(grep "^$user:" "$file" | tr '\n' ' ')); left as is"
    else
        echo "$user:$start:$count" >>"$file"
        echo "$file: added $user:$start:$count"
    fi
}

for f in /etc/subuid /etc/subgid; do
    add_range "$f" "$TEST_USER" 300000 65536
    add_range "$f" root 400000 65536
done

if [ -c /dev/net/tun ]; then
    mode=$(stat -c %a /dev/net/tun)
    if [ "$mode" != 666 ]; then
        chmod 0666 /dev/net/tun
        echo "/dev/net/tun: mode $mode -> 666 (pasta as $TEST_USER)"
    fi
fi
