# shellcheck shell=bash
# Area "install" of Tests/integration/run.sh (AREAS=install runs only it): `make install` into a
# staging DESTDIR and what it installs (the stripped static binary running a sandbox as the mode's
# caller, the man page, the completion scripts of bash, zsh and fish completing), `make uninstall`
# leaving no file; once, as root: the pre-commit hook (pre-commit try-repo) and the GitHub Action
# (action.yml's steps run here by action.py).
# `make install` takes the release build as it is (`make -o release`: `make test` runs
# `make test-release` first), so that root builds nothing in the repository (its files would be
# root's in a developer's build tree); without .build-release/release/nsspec the area skips,
# rather than build for minutes. The action's own `make release` runs as the build tree's owner.

CASES+=(t_install)

INSTALL_PREFIX=/usr/local

# make TARGET... in the repository, as root (make install is an administrator's command), the
# release build taken as it is.
install_make() {
    local saved=("${PREFIX[@]}")
    PREFIX=(env -u MAKEFLAGS -u MAKELEVEL)
    run_cmd make --no-print-directory -o release -C "$REPO" "$@"
    PREFIX=("${saved[@]}")
}

# A command prefix that runs as the owner of the release build tree (root or a developer who ran
# `make test` with sudo), with that user's HOME.
as_build_owner() {
    local uid gid home
    uid=$(stat -c %u "$REPO/.build-release") gid=$(stat -c %g "$REPO/.build-release")
    if [ "$uid" = 0 ]; then BUILD_OWNER=(env); return; fi
    home=$(getent passwd "$uid" | cut -d: -f6)
    BUILD_OWNER=(setpriv --reuid="$uid" --regid="$gid" --init-groups -- env HOME="${home:-/nonexistent}")
}

t_install() {
    local dest=$T/dest-$MODE root bin r=$T/repo f
    root=$dest$INSTALL_PREFIX bin=$root/bin/nsspec
    begin "make install DESTDIR=…"
    if [ ! -x "$REPO/.build-release/release/nsspec" ]; then
        skip "$CASE" "no release build in $REPO/.build-release (make release; make test builds it first)"; return
    fi
    [ -d "$r" ] || { mkdir -p "$r"; cp -r "$REPO/specs" "$REPO/schema" "$r/"; chmod -R a+rX "$r"; }
    rm -rf "$dest"; mkdir -m 755 "$dest"
    install_make install DESTDIR="$dest"; want_rc 0
    local expected="bin/nsspec 755
share/bash-completion/completions/nsspec 644
share/fish/vendor_completions.d/nsspec.fish 644
share/man/man1/nsspec.1 644
share/nsspec/nsspec.schema.json 644
share/zsh/site-functions/_nsspec 644"
    local got; got=$(cd "$root" 2>/dev/null && find . -type f -printf '%P %m\n' | LC_ALL=C sort)
    [ "$got" = "$expected" ] || problem "installed files (path mode) differ; expected:
$expected
got:
$got"
    [ "$(find "$dest" -type f | wc -l)" = 6 ] || problem "files outside $INSTALL_PREFIX: $(find "$dest" -type f | grep -v "^$root/")"
    end_case
    [ -x "$bin" ] || return

    begin "the installed binary is stripped and static; the build product is not stripped"
    f=$(file -L "$bin")
    [[ $f == *"statically linked"* ]] || problem "not static: $f"
    [[ $f == *", stripped"* ]] || problem "not stripped: $f"
    [[ $(file -L "$REPO/.build-release/release/nsspec") == *"not stripped"* ]] \
        || problem "make install stripped the build product in place: $(file -L "$REPO/.build-release/release/nsspec")"
    end_case

    begin "the installed nsspec runs specs/hello.yaml"
    run_cmd "$bin" run "$r/specs/hello.yaml"; want_rc 0; want_out_has "hostname: hello"
    run_cmd "$bin" --version; want_rc 0; want_out "$("$REPO/.build-release/release/nsspec" --version)"
    end_case

    begin "the installed man page renders without a warning"
    run_cmd man --warnings -l "$root/share/man/man1/nsspec.1"; want_rc 0
    [ -z "$ERR" ] || problem "man printed warnings"
    want_out_has "nsspec - declarative Linux namespace sandboxes"
    end_case

    install_completion_cases "$bin" "$root"
    if [ "$MODE" = root ]; then
        install_precommit_case "$bin"
        install_action_case "$bin"
    fi

    begin "make uninstall DESTDIR=… leaves no file"
    install_make uninstall DESTDIR="$dest"; want_rc 0
    local left; left=$(find "$dest" ! -type d)
    [ -z "$left" ] || problem "left behind: $left"
    [ ! -e "$root/share/nsspec" ] || problem "left $root/share/nsspec (nsspec's own directory)"
    end_case
    rm -rf "$dest"
}

# A bash that completes the words "$@" (the last one being completed) with the given completion
# file sourced, and prints COMPREPLY one per line.
BASH_DRIVE='source "$1" || exit 3; shift
COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
_nsspec nsspec "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf "%s\n" "${COMPREPLY[@]}"'

# want_completes SHELL WORDS... '->' EXPECTED...: the shell's completion of WORDS (the last, maybe
# empty, is the one completed; run in $T/repo) offers each of EXPECTED; with == instead of ->,
# exactly EXPECTED (in any order) and nothing else.
want_completes() {
    local shell=$1; shift
    local words=() w exact=0
    while [ "$1" != '->' ] && [ "$1" != == ]; do words+=("$1"); shift; done
    [ "$1" = == ] && exact=1; shift
    case $shell in
        bash) run_cmd bash --norc --noprofile -c "cd $(shquote "$T/repo") && $BASH_DRIVE" drive "$COMPLETION_DIR/bash" "${words[@]}" ;;
        zsh) run_cmd env -C "$T/repo" zsh -f "$REPO/Tests/integration/zsh-complete.zsh" "$COMPLETION_DIR/zsh" "${words[@]}" ;;
        fish) run_cmd env -C "$T/repo" fish --no-config -c 'source $argv[1]; and complete -C $argv[2]' "$COMPLETION_DIR/fish" "${words[*]}"
              OUT=$(cut -f1 <<<"$OUT") ;;  # the match, without its description
    esac
    want_rc 0
    for w in "$@"; do
        grep -qxF -- "$w" <<<"$OUT" || problem "$shell: '${words[*]}' did not offer '$w'"
    done
    if [ "$exact" = 1 ] && [ "$(sort -u <<<"$OUT" | grep -v '^$')" != "$(printf '%s\n' "$@" | sort -u | grep -v '^$')" ]; then
        problem "$shell: '${words[*]}' offered more than: $*"
    fi
}

install_completion_cases() {
    local bin=$1 root=$2
    COMPLETION_DIR=$T/completion-$MODE
    rm -rf "$COMPLETION_DIR"; mkdir -m 755 "$COMPLETION_DIR"
    cp "$root/share/bash-completion/completions/nsspec" "$COMPLETION_DIR/bash"
    cp "$root/share/zsh/site-functions/_nsspec" "$COMPLETION_DIR/zsh"
    cp "$root/share/fish/vendor_completions.d/nsspec.fish" "$COMPLETION_DIR/fish"
    chmod 644 "$COMPLETION_DIR"/*

    begin "bash: source <(nsspec completion bash) registers _nsspec; the installed file is its output"
    run_cmd bash --norc --noprofile -c 'source <("$1" completion bash) && complete -p nsspec' bash "$bin"
    want_rc 0; want_out "complete -F _nsspec nsspec"
    run_cmd "$bin" completion bash; want_rc 0
    [ "$OUT" = "$(cat "$COMPLETION_DIR/bash")" ] || problem "the installed completion differs from nsspec completion bash"
    end_case

    begin "bash completes commands, options, their values, spec files, and commands after --"
    want_completes bash nsspec val == validate
    want_completes bash nsspec '' '->' validate plan run cache completion help init doctor --help --version
    want_completes bash nsspec validate --format '' == auto text json github sarif junit
    want_completes bash nsspec validate --format = j == json junit
    want_completes bash nsspec plan --format '' == text json
    want_completes bash nsspec run --no == --no-cache
    want_completes bash nsspec init --template '' == minimal ci rootfs network
    want_completes bash nsspec cache '' == clear path
    want_completes bash nsspec cache clear '' ==
    want_completes bash nsspec completion '' == bash zsh fish
    want_completes bash nsspec run specs/h == specs/hello.yaml
    want_completes bash nsspec validate schema/ ==
    want_completes bash nsspec validate '' == specs schema
    want_completes bash nsspec run specs/hello.yaml -- hostn '->' hostname
    want_completes bash nsspec run specs/hello.yaml -- ls spec '->' specs
    end_case

    begin "zsh: the script parses (zsh -n), compinit takes it from fpath, it completes"
    if ! command -v zsh >/dev/null; then
        skip "$CASE" "zsh is not installed (make deps installs it)"
    else
        run_cmd zsh -n "$COMPLETION_DIR/zsh"; want_rc 0
        run_cmd env HOME="$T/repo" zsh -f -c 'fpath=("$1" $fpath); autoload -U compinit; compinit -u -D; print -r -- $_comps[nsspec]' \
            zsh "$root/share/zsh/site-functions"
        want_rc 0; want_out _nsspec
        want_completes zsh nsspec val == validate
        want_completes zsh nsspec validate --format '' == auto text json github sarif junit
        want_completes zsh nsspec run --no == --no-cache
        want_completes zsh nsspec cache '' == clear path
        want_completes zsh nsspec run specs/h '->' hello.yaml
        want_completes zsh nsspec run specs/hello.yaml -- hostn '->' hostname
        end_case
    fi

    begin "fish: the script parses (fish -n) and completes"
    if ! command -v fish >/dev/null; then
        skip "$CASE" "fish is not installed (make deps installs it)"
    else
        run_cmd fish --no-execute "$COMPLETION_DIR/fish"; want_rc 0
        want_completes fish nsspec val == validate
        want_completes fish nsspec validate --format '' == auto text json github sarif junit
        want_completes fish nsspec run --no == --no-cache
        want_completes fish nsspec cache '' == clear path
        want_completes fish nsspec run specs/h == specs/hello.yaml
        want_completes fish nsspec run specs/hello.yaml -- hostn '->' hostname
        end_case
    fi
}

# pre-commit, as the Makefile's deps installs it (python3 -m pip), under whichever python3 has it
precommit_command() {
    local py
    if command -v pre-commit >/dev/null; then PRECOMMIT=(pre-commit); return 0; fi
    for py in python3 /usr/bin/python3; do
        if "$py" -c 'import pre_commit' 2>/dev/null; then PRECOMMIT=("$(command -v "$py")" -m pre_commit); return 0; fi
    done
    return 1
}

# The hook nsspec-validate-system of .pre-commit-hooks.yaml, from a hook repository holding only
# that file (committed), over a repository with a good and a bad spec, with the installed nsspec
# on PATH. (nsspec-validate, language swift, builds nsspec in release first: minutes, see README.)
install_precommit_case() {
    local bin=$1 hooks=$T/precommit-hooks work=$T/precommit-work bad line
    begin "pre-commit try-repo … nsspec-validate-system: a good spec passes, a bad one fails at its line"
    if ! precommit_command; then skip "$CASE" "pre-commit is not installed (make deps installs it)"; return; fi
    rm -rf "$hooks" "$work"; mkdir -p "$hooks" "$work"
    cp "$REPO/.pre-commit-hooks.yaml" "$hooks/"
    local git=(git -c user.name=nsspec-test -c user.email=nsspec-test@localhost -c init.defaultBranch=main -c commit.gpgsign=false)
    "${git[@]}" -C "$hooks" init -q && "${git[@]}" -C "$hooks" add . && "${git[@]}" -C "$hooks" commit -qm hooks \
        || { problem "cannot make the hook repository"; end_case; return; }
    "${git[@]}" -C "$work" init -q
    cp "$T/repo/specs/hello.yaml" "$work/good.nsspec.yaml"
    sed 's/^hostname: hello$/hostnme: hello/' "$T/repo/specs/hello.yaml" >"$work/bad.nsspec.yaml"
    cp "$work/bad.nsspec.yaml" "$work/other.yaml"
    line=$(line_of "$work/bad.nsspec.yaml" "hostnme:")
    local pc=(env -u GITHUB_ACTIONS -C "$work" PATH="${bin%/*}:$PATH" PRE_COMMIT_HOME="$T/precommit-home" "${PRECOMMIT[@]}" try-repo "$hooks" nsspec-validate-system)
    local saved=("${PREFIX[@]}") TIMEOUT=120; PREFIX=()
    run_cmd "${pc[@]}" --files good.nsspec.yaml; want_rc 0; want_out_has "nsspec validate"; want_out_has "Passed"
    run_cmd "${pc[@]}" --files bad.nsspec.yaml; want_rc 1; want_out_has "Failed"
    want_out_has "bad.nsspec.yaml:$line:1: error: unknown key 'hostnme'"
    # files: only nsspec.yaml and *.nsspec.yaml by default
    run_cmd "${pc[@]}" --files other.yaml; want_rc 0; want_out_has "(no files to check)"
    PREFIX=("${saved[@]}")
    end_case
}

# action.yml's steps run by action.py: with nsspec on PATH (the installed one) over the examples
# (pass) and over a directory with an invalid spec (fail, with a workflow annotation at its line);
# with none on PATH, the action builds it with `make release` (a no-op: the release build is current).
install_action_case() {
    local bin=$1 ws=$T/action-workspace line
    begin "action.yml: annotations for an invalid spec, none for the examples; builds nsspec when none is on PATH"
    rm -rf "$ws"; mkdir -p "$ws/bad"
    cp -r "$T/repo/specs" "$ws/"
    sed 's/^hostname: hello$/hostnme: hello/' "$T/repo/specs/hello.yaml" >"$ws/bad/hello.yaml"
    line=$(line_of "$ws/bad/hello.yaml" "hostnme:")
    local saved=("${PREFIX[@]}") TIMEOUT=600; PREFIX=(env PATH="${bin%/*}:$PATH")
    run_cmd "$PY" "$REPO/Tests/integration/action.py" "$REPO" "$ws" paths=specs; want_rc 0
    want_out_has "using $bin"; want_out_lacks "::error"
    run_cmd "$PY" "$REPO/Tests/integration/action.py" "$REPO" "$ws" 'paths=specs/*.yaml bad' strict=true; want_rc 1
    want_out_has "::error file=bad/hello.yaml,line=$line,col=1,title=nsspec unknown-key::"
    run_cmd "$PY" "$REPO/Tests/integration/action.py" "$REPO" "$ws" strict=maybe; want_rc 64
    want_out_has "::error::nsspec: the input strict must be true or false, not 'maybe'"
    # no nsspec on PATH: make release in the action's directory (a no-op build, as the build
    # tree's owner), then its binary
    as_build_owner
    PREFIX=("${BUILD_OWNER[@]}" PATH="$(dirname "$(command -v swift)"):/usr/sbin:/usr/bin:/sbin:/bin")
    run_cmd "$PY" "$REPO/Tests/integration/action.py" "$REPO" "$ws" paths="specs bad"; want_rc 1
    want_out_has "swift build"; want_out_has "::error file=bad/hello.yaml,line=$line,col=1"
    PREFIX=("${saved[@]}")
    end_case
}
