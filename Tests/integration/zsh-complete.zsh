#!/usr/bin/env zsh
# zsh-complete.zsh SCRIPT WORD...: prints, one per line, the matches zsh's completion system offers
# for the command line WORD... (the last word, maybe empty, is the one completed), with SCRIPT
# sourced after compinit. An interactive zsh -f runs in a pseudo-terminal (zpty); Tab is bound to
# complete-word, and compadd is wrapped so that each match is printed between two markers.
# Used by the install area (completions of `nsspec completion zsh`).
zmodload zsh/zpty || { print -u2 'zsh-complete.zsh: no zsh/zpty module'; exit 2 }
script=$1; shift
init=$(mktemp) || exit 2
trap 'rm -f $init; zpty -d z 2>/dev/null' EXIT
cat >$init <<'INIT'
PROMPT=
autoload -U compinit; compinit -u -D
bindkey '^I' complete-word
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
nsspec_begin() { print -r -- '<<<MATCHES>>>' }
nsspec_end() { print -r -- '<<<END>>>'; exit }
compprefuncs=(nsspec_begin)
comppostfuncs=(nsspec_end)
compadd() {
    # a call that only asks for matches (-O, -A, -D) adds none: pass it on unchanged
    if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
    local -a hits
    builtin compadd -A hits "$@"
    local h; for h in $hits; do print -r -- "MATCH $h"; done
}
print READY
INIT
zpty z zsh -f -i
zpty -w z "source ${(q)init}; source ${(q)script}"
while zpty -r z line; do [[ $line == READY* ]] && break; done
zpty -w -n z "${(j: :)@}"$'\t'
inside=0
while zpty -r z line; do
    line=${line//$'\r'/}; line=${line%$'\n'}
    [[ $line == *'<<<END>>>'* ]] && break
    [[ $line == *'<<<MATCHES>>>'* ]] && { inside=1; continue }
    (( inside )) && [[ $line == MATCH\ * ]] && print -r -- ${line#MATCH }
done
exit 0
