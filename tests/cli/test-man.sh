#!/bin/bash
# The manual pages: every page renders without a groff warning, every verb
# has a page, every option a verb's --help prints is in its page, every
# setting mgr.conf knows is in mgr.conf(5), and make install puts them where
# man finds them.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
B=${MGR_BUILDDIR:-.}
S=${MGR_SRCDIR:-.}
export MANWIDTH=200 LC_ALL=C.UTF-8

pages=("$B"/doc/*.1 "$B"/doc/*.5 "$S"/doc/*.5)
for p in "${pages[@]}"; do
  [ -f "$p" ] || continue
  w=$(groff -man -wall -z "$p" 2>&1)
  [ -z "$w" ] && pass "$(basename "$p"): groff -wall is silent" || fail "$(basename "$p"): groff warns: $w"
  w=$(man --warnings -l "$p" 2>&1 >/dev/null)
  [ -z "$w" ] && pass "$(basename "$p"): man -l renders it without a warning" || fail "$(basename "$p"): man -l: $w"
done

verbs=$("$MGR" --help | awk '/^Verbs:/ {v = 1; next} v && /^  [a-z]/ {print $1}')
[ "$(wc -w <<<"$verbs")" -ge 14 ] && pass "mgr --help lists $(wc -w <<<"$verbs") verbs" || fail "mgr --help lists only: $verbs"
page_of() { man -l "$1" 2>/dev/null | col -b; }
main=$(page_of "$B/doc/mgr.1")
for v in $verbs; do
  p="$B/doc/mgr-$v.1"
  if [ ! -f "$p" ]; then fail "mgr-$v has no manual page (add doc/mgr-$v.1 to MGR_CMD_MANS)"; continue; fi
  text=$(page_of "$p")
  missing=
  for o in $("$MGR" "$v" --help | sed -n 's/^  *\(-[A-Za-z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p'); do
    grep -qF -- "$o" <<<"$text" || missing="$missing $o"
  done
  [ -z "$missing" ] && pass "mgr-$v(1) has every option --help prints" || fail "mgr-$v(1) lacks:$missing"
  expect_in "$text" "mgr-$v - " "mgr-$v(1) names the command"
  expect_in "$main" "mgr-$v(1)" "mgr(1) lists mgr-$v"
done
expect_in "$(page_of "$B/doc/mgr-config.1")" "import-lxc" "mgr-config(1) keeps its hand-written sections (import-lxc)"

# mgr-user-nic is a program of its own (no GLib): its page is hand-written,
# and must still name every option its --help prints.
if [ -x "$B/src/mgr-user-nic" ]; then
  text=$(page_of "$S/doc/mgr-user-nic.1")
  for o in $("$B/src/mgr-user-nic" --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u) create delete; do
    expect_in "$text" "$o" "mgr-user-nic(1) names $o"
  done
fi

# mgr-oci(1): a program of its own; its page comes from its command and
# option tables, so every command and option its --help names is there.
if [ -x "$B/src/mgr-oci" ]; then
  text=$(page_of "$B/doc/mgr-oci.1")
  for w in $("$B/src/mgr-oci" --help | awk '/^Commands:/ {c = 1; next} /^$/ {c = 0} c {print $1}') \
           $("$B/src/mgr-oci" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    expect_in "$text" "$w" "mgr-oci(1) names $w"
  done
fi

# mgr.conf(5): every setting the settings table knows.
conf=$(page_of "$B/doc/mgr.conf.5")
for s in $(sed -n 's/^ *{ "\([a-z_]*\)", S_[A-Z]*,.*/\1/p' "$S/src/lib/settings.c"); do
  expect_in "$conf" "$s" "mgr.conf(5) documents $s"
done

# Installed where man looks.
D="$WORK/inst"
if make -s -C "$B" install-man DESTDIR="$D" >/dev/null 2>"$WORK/err"; then
  for p in man1/mgr-start.1 man1/mgr.1 man1/mgr-oci.1 man5/mgr.conf.5 man5/mgr-seccomp.5 man5/mgr.container.conf.5; do
    f=$(find "$D" -path "*/man/$p" | head -1)
    [ -n "$f" ] && pass "make install puts $p in $(dirname "$(dirname "${f#$D}")")" || fail "make install: no $p under $D"
  done
  mandir=$(find "$D" -type d -name man | head -1)
  w=$(MANPATH="$mandir" man -w mgr-start 2>&1)
  expect_in "$w" "man1/mgr-start.1" "man finds mgr-start once installed"
else
  fail "make install-man: $(cat "$WORK/err")"
fi
finish
