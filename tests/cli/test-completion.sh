#!/bin/bash
# Bash completion, driven as bash drives it: COMP_WORDS/COMP_CWORD and the
# function `complete -p` names, with bash-completion's own library loaded.
# Verbs, options from --help, container names (running ones for stop),
# config keys and values, templates.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
S=${MGR_SRCDIR:-.}
BC=/usr/share/bash-completion/bash_completion
[ -f "$BC" ] || { echo "SKIP: bash-completion is not installed (quickstart.sh installs it)"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: starts a container as root"; exit 77; }

# mgr and mgr-VERB on PATH, as installed.
mkdir -p "$WORK/bin"
ln -s "$MGR" "$WORK/bin/mgr"
for v in $("$MGR" --help | awk '/^Verbs:/ {v = 1; next} v && /^  [a-z]/ {print $1}'); do ln -s "$MGR" "$WORK/bin/mgr-$v"; done
ln -s "${MGR_BUILDDIR:-.}/src/mgr-oci" "$WORK/bin/mgr-oci"
export PATH="$WORK/bin:$PATH" MGR_TEMPLATES_DIR="$S/templates"
P="$WORK/c"; chmod 755 "$WORK"
pfx=cmp$$
mgr create -P "$P" -n "$pfx-up" -t busybox >/dev/null 2>&1 || fail "create $pfx-up"
mgr create -P "$P" -n "$pfx-down" -t busybox >/dev/null 2>&1 || fail "create $pfx-down"
timeout 20 mgr start -P "$P" -n "$pfx-up" >/dev/null 2>&1 || fail "start $pfx-up"
trap 'timeout 20 mgr stop -k -P "$P" -n "$pfx-up" >/dev/null 2>&1; for n in up down; do mgr destroy -f -P "$P" -n "$pfx-$n" >/dev/null 2>&1; done; rm -rf "$WORK"' EXIT

# complete LINE: what bash would offer at the end of LINE (words split on
# blanks; a trailing blank starts an empty word).
complete_line() {
  bash --norc --noprofile -c '
    . "$1"; . "$2"
    read -r -a COMP_WORDS <<<"$3"
    [[ $3 == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE=$3; COMP_POINT=${#3}
    spec=$(complete -p "${COMP_WORDS[0]}" 2>/dev/null) || { echo "NO-SPEC"; exit; }
    fn=$(sed -n "s/.*-F \([^ ]*\) .*/\1/p" <<<"$spec")
    "$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$BC" "$S/completion/mgr" "$1"
}

out=$(bash --norc --noprofile -c '. "$1"; . "$2"; complete -p mgr mgr-start mgr-stop mgr-config' _ "$BC" "$S/completion/mgr")
expect_in "$out" "-F _mgr mgr" "complete -p: mgr has a completion function"
expect_in "$out" "mgr-stop" "complete -p: mgr-stop has one too"
out=$(complete_line "mgr ")
expect_in "$out" "attach" "mgr <Tab> offers the verbs"
expect_in "$out" "usernsexec" "mgr <Tab> offers every verb"
out=$(complete_line "mgr-start --")
expect_in "$out" "--foreground" "mgr-start --<Tab> offers its options from --help"
expect_in "$out" "--lxcpath=" "options that take a value end with ="
out=$(complete_line "mgr start --fo")
expect_in "$out" "--foreground" "mgr start --fo<Tab> (the verb as a word) completes too"
out=$(complete_line "mgr-stop -P $P -n ")
expect_in "$out" "$pfx-up" "mgr-stop -n <Tab> offers the running container"
expect_not_in "$out" "$pfx-down" "mgr-stop -n <Tab> leaves out stopped ones"
out=$(complete_line "mgr-start -P $P -n ")
expect_in "$out" "$pfx-down" "mgr-start -n <Tab> offers the stopped container"
expect_not_in "$out" "$pfx-up" "mgr-start -n <Tab> leaves out running ones"
out=$(complete_line "mgr-info -P $P -n $pfx-d")
[ "$out" = "$pfx-down" ] && pass "mgr-info -n PREFIX<Tab> completes the one name" || fail "mgr-info -n $pfx-d<Tab> gave: $out"
out=$(complete_line "mgr-oci ")
expect_in "$out" "create" "mgr-oci <Tab> offers its commands"
expect_in "$out" "features" "mgr-oci <Tab> offers every command"
out=$(complete_line "mgr-oci --ro")
expect_in "$out" "--root" "mgr-oci --ro<Tab> offers its global options"
out=$(complete_line "mgr-oci --root $WORK/oci create --")
expect_in "$out" "--console-socket" "mgr-oci create --<Tab> offers create's options"
mkdir -p "$WORK/oci/$pfx-oci"
out=$(complete_line "mgr-oci --root $WORK/oci state ")
expect_in "$out" "$pfx-oci" "mgr-oci state <Tab> offers the ids under --root"
out=$(complete_line "mgr-config -n x ")
expect_in "$out" "import-lxc" "mgr-config <Tab> offers its verbs"
out=$(complete_line "mgr-config -n x set cgroup.memory.")
expect_in "$out" "cgroup.memory.max" "mgr-config set <Tab> offers keys from mgr-config list"
out=$(complete_line "mgr-config -n x set container.stop.signal SIGRT")
expect_in "$out" "SIGRTMIN" "mgr-config set container.stop.signal <Tab> offers signal names"
out=$(complete_line "mgr-create -n new -t ")
expect_in "$out" "busybox" "mgr-create -t <Tab> offers the templates"
expect_in "$out" "download" "mgr-create -t <Tab> offers download"
out=$(complete_line "mgr-ls --format ")
expect_in "$out" "json" "--format <Tab> offers json"
finish
