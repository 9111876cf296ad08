#!/bin/bash
# mgr-config from the command line: validate, get/set/unset, show, edit, list.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"

C="$WORK/containers"
mkdir -p "$C/web"
cat > "$C/web/config" <<'CONF'
# The web container. Keep this comment.
[container]
rootfs = rootfs          # inline comment stays too
init = /sbin/init

# Limits
[cgroup]
memory.limit = 1G
pids.max = 512
CONF
cfg() { "$MGR" config -P "$C" -n web "$@"; }

run cfg validate
expect_rc 1 "validate rejects memory.limit"
expect_in "$ERR" "$C/web/config:8: [cgroup] memory.limit: unknown key; did you mean memory.max?" "error names file, line, section, key, suggestion"

sed -i 's/memory.limit = 1G/memory.max = 1G/' "$C/web/config"
run cfg validate
expect_rc 0 "validate accepts the fixed file"

cp "$C/web/config" "$WORK/before"
run cfg set cgroup.memory.max 2G
expect_rc 0 "set cgroup.memory.max"
run diff "$WORK/before" "$C/web/config"
expect_in "$OUT" "> memory.max = 2G" "set changed only that line"
expect_in "$(cat "$C/web/config")" "# The web container. Keep this comment." "set keeps the first comment"
expect_in "$(cat "$C/web/config")" "rootfs = rootfs          # inline comment stays too" "set keeps inline comments"
[ "$(wc -l < "$OUT" 2>/dev/null || echo "$OUT" | wc -l)" ] && true
[ "$(diff "$WORK/before" "$C/web/config" | grep -c '^[<>]')" -eq 2 ] && pass "diff is one line out, one in" || fail "diff touches more than one line"

cp "$C/web/config" "$WORK/before"
run cfg set cgroup.memory.max 2Q
expect_rc 1 "set refuses a bad size"
expect_in "$ERR" "[cgroup] memory.max: '2Q': unknown unit" "set names the bad value"
cmp -s "$WORK/before" "$C/web/config" && pass "a refused set leaves the file byte-identical" || fail "file changed after a refused set"
run cfg set cgroup.memory.limit 1G
expect_rc 1 "set refuses an unknown key"
expect_in "$ERR" "did you mean memory.max?" "set suggests the key"
run cfg set network.eth0.type veth
expect_rc 1 "set refuses a veth without link (cross-field)"
expect_in "$ERR" "veth needs link" "cross-field error shown"
cmp -s "$WORK/before" "$C/web/config" && pass "still byte-identical" || fail "file changed"

run cfg set cgroup.cpu.max 50000 100000
expect_rc 0 "set joins a value given as several words"
run cfg get cgroup.cpu.max
expect_in "$OUT" "50000 100000" "get reads it back"
run cfg get container.stop.timeout
expect_in "$OUT" "30s" "get prints the default of an unset key"
run cfg get cgroup.memory.swap.max
[ "$RC" -eq 0 ] && [ -z "$OUT" ] && pass "get of an unset key without default prints nothing" || fail "get unset: rc=$RC out=$OUT"
run cfg set network.eth0.link mgrbr0
run cfg set network.eth0.ipv4 10.0.3.15/24
expect_rc 0 "set creates a [network eth0] section"
run cfg get network.eth0.type
expect_in "$OUT" "veth" "new section takes its defaults"
run cfg unset cgroup.pids.max
expect_rc 0 "unset a key"
expect_not_in "$(cat "$C/web/config")" "pids.max" "unset removed the line"
expect_in "$(cat "$C/web/config")" "# Limits" "unset keeps the comments"
run cfg unset network.eth0
expect_rc 0 "unset a whole named section"
expect_not_in "$(cat "$C/web/config")" "eth0" "section gone"

run cfg show --plan --format json
expect_rc 0 "show --plan --format json"
if command -v python3 >/dev/null; then
  echo "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["cgroup"]["memory.max"]==2<<30, d; assert d["container"]["init"]==["/sbin/init"]' \
    && pass "plan JSON parses and holds the values" || fail "plan JSON: $OUT"
fi
run cfg show --plan
expect_in "$OUT" "memory.max = 2G" "show --plan in text"
expect_in "$OUT" "user namespace: no" "plan says what it resolves"
run cfg show
expect_in "$OUT" "# The web container" "show prints the file"

# edit: a bad edit is refused and offered again; the original stays.
cat > "$WORK/bad-editor" <<'ED'
#!/bin/sh
sed -i 's/memory.max = 2G/memory.max = huge/' "$1"
ED
cat > "$WORK/good-editor" <<'ED'
#!/bin/sh
sed -i 's/memory.max = 2G/memory.max = 3G/' "$1"
ED
chmod +x "$WORK/bad-editor" "$WORK/good-editor"
cp "$C/web/config" "$WORK/before"
OUT=$(echo n | EDITOR="$WORK/bad-editor" VISUAL= "$MGR" config -P "$C" -n web edit 2>&1) && RC=0 || RC=$?
expect_rc 1 "edit with an invalid result and 'n' fails"
expect_in "$OUT" "memory.max: 'huge'" "edit shows the error"
expect_in "$OUT" "your edits are kept in" "edit keeps the user's text"
cmp -s "$WORK/before" "$C/web/config" && pass "original untouched after a bad edit" || fail "original changed"
kept=$(echo "$OUT" | sed -n 's/.*your edits are kept in //p'); rm -f "$kept"
OUT=$(EDITOR="$WORK/good-editor" VISUAL= "$MGR" config -P "$C" -n web edit 2>&1) && RC=0 || RC=$?
expect_rc 0 "edit with a valid result"
expect_in "$(cat "$C/web/config")" "memory.max = 3G" "edit saved"

run "$MGR" config list
expect_in "$OUT" "cgroup.memory.max" "list shows keys"
expect_in "$OUT" "network.NAME.ipv4.gateway" "list shows named-section keys"
[ "$(echo "$OUT" | wc -l)" -ge 60 ] && pass "list shows every key" || fail "list is short"
run "$MGR" config help container.stop.signal
expect_in "$OUT" "default: auto" "help shows the default"

run "$MGR" config -P "$C" -n nosuch validate
expect_rc 1 "a missing container fails"
expect_in "$ERR" "no container 'nosuch'" "and says so"
run "$MGR" config -P "$C" -n ../etc validate
expect_rc 2 "a bad name is a usage error"
run "$MGR" config -P "$C" validate
expect_rc 2 "no -n is a usage error"
run "$MGR" config --bogus
expect_rc 2 "an unknown option is a usage error"
run "$MGR" config -P "$C" -n web frobnicate
expect_rc 2 "an unknown verb is a usage error"
run "$MGR" config --version
expect_in "$OUT" "mgr " "--version"
run "$MGR" config --file "$C/web/config" get cgroup.memory.max
expect_in "$OUT" "3G" "--file works instead of -n"

# An empty or broken value is an error naming its key, never a crash: it
# used to crash every command that read the file (mgr-autostart included).
mkdir -p "$C/empty"
for v in "nofile =" "nofile = :" "nofile = 5:" "nproc = 18446744073709551615"; do
  printf '[container]\nrootfs = rootfs\ninit = /sbin/init\n[limits]\n%s\n' "$v" > "$C/empty/config"
  run "$MGR" config -P "$C" -n empty validate
  expect_rc 1 "[limits] $v is refused"
  expect_in "$ERR" "[limits] n" "and the error names the key ($v)"
done
run "$MGR" ls -P "$C"
[ "$RC" -lt 128 ] && pass "mgr-ls survives it (exit $RC)" || fail "mgr-ls crashed (exit $RC): $ERR"
rm -rf "$C/empty"

finish
