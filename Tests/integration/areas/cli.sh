# shellcheck shell=bash
# Area "cli" of Tests/integration/run.sh (AREAS=cli runs only it). The command line on the shipped examples: run and plan;
# the specs `nsspec init` writes.
# Sourced by run.sh after lib.sh; each case runs once per mode (root, rootless).

CASES+=(t_examples t_plan t_init)

# The example specs of the repository, run from a copy (ci-build binds the repository, `..`).
t_examples() {
    local r=$T/repo
    # The specs only: specs/rootfs-debian, if make debian-rootfs built it, is 180 MB of another owner's files.
    [ -d "$r" ] || { mkdir -p "$r/specs"; cp "$REPO"/specs/*.yaml "$r/specs/"; cp -r "$REPO/schema" "$r/"; chmod -R a+rX "$r"; }
    begin "specs/hello.yaml"
    run_as "$r/specs/hello.yaml"; want_rc 0; want_out_has "hostname: hello"
    end_case
    begin "specs/tmpfs-root.yaml"
    run_as "$r/specs/tmpfs-root.yaml"; want_rc 0; want_out_has "hostname: minimal"; want_out_has "/ is read-only"
    end_case
    begin "specs/capabilities.yaml"
    run_as "$r/specs/capabilities.yaml"; want_rc 0; want_out_has "CapEff:	0000000000000400"; want_out_has "nofile: 1024"
    end_case
    begin "specs/overlay.yaml: a writable /usr over the host's, which stays as it was"
    run_as "$r/specs/overlay.yaml"; want_rc 0; want_out_has "made in the sandbox"; want_out_has "overlay /usr overlay"
    want "the write reached the host's /usr" [ ! -e /usr/nsspec-was-here ]
    end_case
    begin "specs/ci-build.yaml -- /bin/true"
    run_as "$r/specs/ci-build.yaml" -- /bin/true; want_rc 0
    end_case
    begin "specs/rootless-multirange.yaml"
    if [ -z "$(sub_start /etc/subuid "$CUSER")" ] || [ -z "$(sub_start /etc/subgid "$CUSER")" ]; then
        skip "$CASE" "$CUSER has no range in /etc/subuid or /etc/subgid (run Tests/integration/setup.sh)"; return
    fi
    run_as "$r/specs/rootless-multirange.yaml"; want_rc 0; want_out_has "uid=1000"
    end_case
}

t_plan() {
    local r=$T/repo
    # The specs only: specs/rootfs-debian, if make debian-rootfs built it, is 180 MB of another owner's files.
    [ -d "$r" ] || { mkdir -p "$r/specs"; cp "$REPO"/specs/*.yaml "$r/specs/"; cp -r "$REPO/schema" "$r/"; chmod -R a+rX "$r"; }
    begin "plan --format json is JSON"
    run_cmd "$NSSPEC" plan "$r/specs/hello.yaml" --format json; want_rc 0
    "$PY" -m json.tool <<<"$OUT" >/dev/null 2>&1 || problem "stdout is not valid JSON"
    end_case
    begin "plan of every example spec"
    run_cmd "$NSSPEC" plan "$r"/specs/*.yaml; want_rc 0
    end_case
}

# `nsspec init --template X`: what it writes validates (no warning either) and runs, as written,
# for the mode's caller; and init never writes over what is there. Each template in a directory of
# its own, made by the caller (ci binds the spec's directory; rootfs wants rootfs/ beside it).
t_init() {
    local t dir
    for t in minimal ci rootfs network; do
        dir=$D/init-$t
        rm -rf "$dir"; mkdir -m 755 "$dir"; chown "$CUID:$CGID" "$dir"
        begin "init --template $t: validates and runs"
        run_cmd "$NSSPEC" init --template "$t" "$dir/nsspec.yaml"; want_rc 0
        want_out_has "wrote $dir/nsspec.yaml: template '$t'"; want_out_has "nsspec run $dir/nsspec.yaml"
        run_cmd "$NSSPEC" validate --strict "$dir/nsspec.yaml"; want_rc 0; want_out "1 spec checked: all valid"
        case $t in
        minimal)
            run_as "$dir/nsspec.yaml"; want_rc 0; want_out_has "hello from sandbox"; want_out_has "uid=0 gid=0" ;;
        ci)
            # `make test` in the spec's directory, at /work: writable there, nowhere else.
            printf 'test:\n\t@echo "build in $$(pwd)"; touch built\n\t@if touch /usr/x /etc/x /x 2>/dev/null; then echo writable; fi\n' >"$dir/Makefile"
            chown "$CUID:$CGID" "$dir/Makefile"
            run_as "$dir/nsspec.yaml"; want_rc 0; want_out "build in /work"
            want "the build wrote $dir/built (the project bound writable at /work)" test -f "$dir/built" ;;
        rootfs)
            # Without rootfs/: refused at preflight, nothing made. Then a busybox root, as the
            # template's comment says.
            run_as "$dir/nsspec.yaml"; want_rc 125; want_err_has "preflight: $dir/rootfs does not exist"
            want_err_has "hint: make it a root file system first"
            if ! file -L /bin/busybox 2>/dev/null | grep -q 'statically linked'; then
                end_case; skip "$CASE (run)" "no static /bin/busybox (Debian package busybox-static)"; continue
            fi
            run_cmd sh -c 'cd "$1" && mkdir -p rootfs/bin rootfs/proc rootfs/dev rootfs/tmp && cp /bin/busybox rootfs/bin/ &&
                for a in $(rootfs/bin/busybox --list); do [ $a = busybox ] || ln -s busybox rootfs/bin/$a; done' sh "$dir"
            want_rc 0
            run_as "$dir/nsspec.yaml"; want_rc 0; want_out_has "hello from rootfs"; want_out_has "proc" ;;
        network)
            run_as "$dir/nsspec.yaml"; want_rc 0; want_out_has "127.0.0.1/8"
            want_out_lacks "eth"; [ "$(wc -l <<<"$OUT")" -eq 1 ] || problem "expected lo alone" ;;
        esac
        end_case
    done
    begin "init refuses what is there and leaves it alone"
    dir=$D/init-exists
    rm -rf "$dir"; mkdir -m 755 "$dir"; chown "$CUID:$CGID" "$dir"
    printf 'mine\n' >"$dir/nsspec.yaml"; ln -s nowhere "$dir/dangling.yaml"; chown -h "$CUID:$CGID" "$dir/nsspec.yaml" "$dir/dangling.yaml"
    run_cmd sh -c 'cd "$1" && exec "$2" init' sh "$dir" "$NSSPEC"; want_rc 1
    want_err_has "nsspec.yaml already exists; init never overwrites a file"
    want "nsspec.yaml kept as it was" [ "$(cat "$dir/nsspec.yaml")" = mine ]
    run_cmd "$NSSPEC" init --template ci "$dir/dangling.yaml"; want_rc 1; want_err_has "dangling.yaml already exists"
    want "the dangling link's target was not made" [ ! -e "$dir/nowhere" ]
    end_case
}
