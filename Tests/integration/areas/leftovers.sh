# shellcheck shell=bash
# Area "leftovers" of Tests/integration/run.sh (AREAS=leftovers runs only it). Leftovers: a failed run leaves no mount, file or process behind.
# Sourced by run.sh after lib.sh; each case runs once per mode (root, rootless).

CASES+=(t_leftovers)

t_leftovers() {
    local s line kind before_m after_m before_t after_t missing exec
    missing=$(spec leftover-missing <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: bind, source: /nonexistent-nsspec-src, target: /src}
process:
  args: [/bin/true]
  env: {PATH: /usr/bin:/bin}
EOF
)
    exec=$(spec leftover-exec <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
process:
  args: [/nonexistent/cmd]
  env: {PATH: /usr/bin:/bin}
EOF
)
    s=$(spec mount-fails <<EOF
version: 1
namespaces: [user, mount, uts, ipc, pid]
$STD_ROOT
  - {type: proc}
  - {type: file, target: /f, content: "not a directory\n"}
  - {type: tmpfs, target: /f/sub}
process:
  args: [/bin/true]
  env: {PATH: /usr/bin:/bin}
EOF
)
    line=$(line_of "$s" "target: /f/sub")
    begin "a mount that fails inside the sandbox: 125 at its spec line"
    run_as "$s"; want_rc 125; want_err_has "$s:$line:"
    end_case

    for kind in missing mount-fails exec-fails; do
        begin "no leftovers after a failing run ($kind)"
        before_m=$(run_cmd_quiet cat /proc/self/mountinfo | wc -l); before_t=$(tmp_listing)
        case $kind in
            missing)     run_as "$missing"; want_rc 125 ;;
            mount-fails) run_as "$s"; want_rc 125 ;;
            exec-fails)  run_as "$exec"; want_rc 127 ;;
        esac
        after_m=$(run_cmd_quiet cat /proc/self/mountinfo | wc -l); after_t=$(tmp_listing)
        [ "$before_m" = "$after_m" ] || problem "the caller's mount table changed: $before_m -> $after_m lines"
        [ "$before_t" = "$after_t" ] || problem "/tmp changed: $(diff <(echo "$before_t") <(echo "$after_t") | grep '^[<>]' | tr '\n' ' ')"
        end_case
    done
}
