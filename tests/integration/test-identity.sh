#!/bin/bash
# A container is its folder: two folders with the same name are two
# containers; id blocks are unique across folders; a container whose monitor
# died stays visible and stoppable; a FIFO cannot stop create; concurrent
# start/stop/attach fail only with clear messages and leave no cgroup.
# Each step is bounded by timeout; everything made here is removed at exit.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the integration tests start containers as root"; exit 77; }

export MGR_TEMPLATES_DIR="$MGR_SRCDIR/templates"
A="$WORK/A"
B="$WORK/B"
chmod 755 "$WORK"
T=20
pfx="id$$"
CG=/sys/fs/cgroup
m() { local dir=$1 verb=$2; shift 2; timeout "$T" "$MGR" "$verb" -P "$dir" "$@"; }
jget() { timeout "$T" "$MGR" info -P "$1" -n "$2" --format json | python3 -c "import json,sys; print(json.load(sys.stdin)['$3'])"; }
gone() { ! grep -qsE "^State:[[:space:]]+[A-Y]" "/proc/$1/status"; }
# Every cgroup of an identity in every hierarchy (v1 ones and the unified one).
cgroups_of() { find "$CG" -maxdepth 3 -type d -path "*/mgr.payload/$1" 2>/dev/null; }
block_of() { sed -n 's/^uid = 0 \([0-9]*\) 65536$/\1/p' "$1/config"; }
cleanup() {
  for dir in "$A" "$B" "$WORK/C"; do
    for c in "$dir"/*/; do
      [ -d "$c" ] || continue
      timeout 10 "$MGR" destroy -f -P "$dir" -n "$(basename "$c")" >/dev/null 2>&1
    done
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$A" "$B"

# ---- two folders, one name: two containers ----
n="$pfx-web"
run m "$A" create -n "$n" -t busybox
expect_rc 0 "create $n in folder A"
run m "$B" create -n "$n" -t busybox
expect_rc 0 "create $n in folder B"
ida=$(jget "$A" "$n" id); idb=$(jget "$B" "$n" id)
[ -n "$ida" ] && [ "$ida" != "$idb" ] && pass "two identities: $ida and $idb" || fail "identities: '$ida' '$idb'"
expect_in "$ida" "$n-" "the identity starts with the name (readable in ps and cgroup listings)"
expect_in "$(m "$A" info -n "$n")" "Identity:      $ida" "mgr-info shows it"
run m "$A" start -n "$n"
expect_rc 0 "start A's $n"
run m "$B" start -n "$n"
expect_rc 0 "start B's $n while A's runs"
pa=$(jget "$A" "$n" pid); pb=$(jget "$B" "$n" pid)
[ "$pa" != "$pb" ] && [ -d "/proc/$pa" ] && [ -d "/proc/$pb" ] && pass "both run (init $pa and $pb)" || fail "pids $pa $pb"
[ "$(jget "$A" "$n" runtime_dir)" != "$(jget "$B" "$n" runtime_dir)" ] && pass "two runtime folders" || fail "one runtime folder"
expect_in "$(jget "$B" "$n" cgroup)" "mgr.payload/$idb" "info names B's cgroup"
[ -n "$(cgroups_of "$ida")" ] && [ -n "$(cgroups_of "$idb")" ] && pass "two cgroups" || fail "cgroups: $(cgroups_of "$ida") / $(cgroups_of "$idb")"
# The same folder reached through a symlink is the same container.
ln -s "$A" "$WORK/A-link"
[ "$(jget "$WORK/A-link" "$n" id)" = "$ida" ] && pass "a symlinked path to folder A gives A's identity" || fail "symlinked folder: $(jget "$WORK/A-link" "$n" id)"
run m "$B" info -n "$n" --format json
expect_in "$OUT" "\"pid\": $pb" "info -P B reports B's container"
run m "$B" stop -n "$n" -k
expect_rc 0 "stop -k B's $n"
gone "$pb" && pass "B's init is gone" || fail "B's init $pb still there"
[ -d "/proc/$pa" ] && ! gone "$pa" && pass "A's init is untouched" || fail "A's init $pa was killed"
expect_in "$(m "$A" info -n "$n")" "RUNNING" "A's $n still RUNNING"
run m "$B" start -n "$n"
pb=$(jget "$B" "$n" pid)
run m "$B" destroy -n "$n" -f
expect_rc 0 "destroy -f B's $n"
[ ! -e "$B/$n" ] && gone "$pb" && pass "B's container is gone" || fail "B's $n left"
[ -d "/proc/$pa" ] && ! gone "$pa" && pass "destroy -P B left A's container running" || fail "A's init $pa was killed by destroy -P B"
[ -z "$(cgroups_of "$idb")" ] && pass "no cgroup of B's $n left" || fail "left: $(cgroups_of "$idb")"
[ -n "$(cgroups_of "$ida")" ] && pass "A's cgroup stays" || fail "A's cgroup removed"
run m "$A" stop -n "$n" -k
expect_rc 0 "stop A's $n"

# ---- id blocks are unique across folders ----
run m "$B" create -n "$pfx-b1" -t busybox
expect_rc 0 "create a container in folder B"
ba=$(block_of "$A/$n"); bb=$(block_of "$B/$pfx-b1")
[ -n "$ba" ] && [ -n "$bb" ] && [ $(( ba - bb )) -ge 65536 -o $(( bb - ba )) -ge 65536 ] \
  && pass "containers of two folders get disjoint id blocks ($ba, $bb)" || fail "blocks overlap: '$ba' '$bb'"
run m "$B" create -n "$pfx-b2" -t busybox
# Claim A's block by hand: the start is refused, naming A's container.
sed -i "s/^uid = 0 [0-9]* 65536\$/uid = 0 $ba 65536/" "$B/$pfx-b2/config"
chown "$ba:$ba" "$B/$pfx-b2/rootfs"
run m "$B" start -n "$pfx-b2"
expect_rc 1 "a config that claims a block held in another folder does not start"
expect_in "$ERR" "held by container $n in $A" "and the error names the holder and its folder"
expect_in "$ERR" "[id_map] uid" "and the key"
m "$B" destroy -n "$pfx-b2" >/dev/null
run m "$B" create -n "$pfx-b3" -t busybox --shared-ids
expect_in "$(cat "$B/$pfx-b3/config")" "shared = true" "--shared-ids writes [id_map] shared = true"
run m "$B" start -n "$pfx-b3"
expect_rc 0 "and such a container starts though its block is another's"
m "$B" stop -k -n "$pfx-b3" >/dev/null
m "$B" destroy -n "$pfx-b3" >/dev/null

# ---- the cache of the scan's reads never hides a change ----
# Where this build keeps its record of folders (distcheck's prefix differs).
prefix=$(sed -n 's/^prefix = //p' "$MGR_BUILDDIR/Makefile")
lsd=$(sed -n 's/^localstatedir = //p' "$MGR_BUILDDIR/Makefile"); lsd=${lsd//'${prefix}'/$prefix}
cache="$lsd/lib/mgr/.folders.cache"
run m "$B" create -n "$pfx-c1" -t busybox
run m "$B" create -n "$pfx-c2" -t busybox
c1=$(block_of "$B/$pfx-c1"); c2=$(block_of "$B/$pfx-c2")
rb=$(realpath "$B")
# A config changed less than 2 s ago is read, not cached (a second write in
# the same clock tick could leave its stat unchanged).
run m "$B" start -n "$pfx-c2"
expect_rc 0 "start $pfx-c2"
m "$B" stop -k -n "$pfx-c2" >/dev/null
grep -q "^C .* $rb/$pfx-c1\$" "$cache" && fail "a config written just now was cached" || pass "a config written just now is not cached"
sleep 2.2
run m "$B" start -n "$pfx-c2"
m "$B" stop -k -n "$pfx-c2" >/dev/null
grep -q "^C .* $rb/$pfx-c1\$" "$cache" && pass "the scan caches what it read of $pfx-c1's config" || fail "no entry for $pfx-c1 in $cache"
# c1 claims c2's block, written in place (same inode; same size when the
# numbers have as many digits): the next start sees it.
python3 - "$B/$pfx-c1/config" "$c1" "$c2" <<'PY'
import sys
path, old, new = sys.argv[1:]
with open(path, "r+") as f:
    t = f.read().replace("uid = 0 %s 65536" % old, "uid = 0 %s 65536" % new)
    f.seek(0); f.write(t); f.truncate()
PY
run m "$B" start -n "$pfx-c2"
expect_rc 1 "a config changed in place after it was cached is read again: its claim is refused"
expect_in "$ERR" "held by container $pfx-c1" "and the error names it"
# The scan runs once the monitor is forked, which waits for its verdict: a
# refused start leaves no monitor, no state and no cgroup behind.
id2=$(jget "$B" "$pfx-c2" id)
mon_left=$(pgrep -af -- "start -P $B -n $pfx-c2\$")
[ "$(jget "$B" "$pfx-c2" state)" = STOPPED ] && [ -z "$mon_left" ] && [ -z "$(cgroups_of "$id2")" ] \
  && pass "the refused start left no monitor, state or cgroup" \
  || fail "the refused start left: $mon_left $(cgroups_of "$id2") state $(jget "$B" "$pfx-c2" state)"
sed -i "s/^uid = 0 [0-9]* 65536\$/uid = 0 $c1 65536/" "$B/$pfx-c1/config"
sleep 2.2
run m "$B" start -n "$pfx-c2"
expect_rc 0 "with its own block again, $pfx-c2 starts"
m "$B" stop -k -n "$pfx-c2" >/dev/null
# The cache is what the scan used: an entry saying c1 holds c2's block (its
# stat unchanged) is believed; it is root's own file beside the record.
grep -q "^H 0 0 0 $c1 65536\$" "$cache" && pass "c1's block is in the cache" || fail "c1's block $c1 not in $cache"
python3 - "$cache" "$rb/$pfx-c1" "$c1" "$c2" <<'PY'
import sys
path, holder, old, new = sys.argv[1:]
out, mine = [], False
for l in open(path).read().splitlines():
    if l.startswith("C "):
        mine = l.endswith(" " + holder)
    elif mine and l.startswith("H 0 0 0 %s " % old):
        l = "H 0 0 0 %s 65536" % new
    out.append(l)
open(path, "w").write("\n".join(out) + "\n")
PY
run m "$B" start -n "$pfx-c2"
expect_rc 1 "a start reads the holds of unchanged configs from the cache"
rm -f "$cache"
run m "$B" start -n "$pfx-c2"
expect_rc 0 "without the cache every config is read again"
m "$B" stop -k -n "$pfx-c2" >/dev/null
m "$B" destroy -n "$pfx-c1" >/dev/null
m "$B" destroy -n "$pfx-c2" >/dev/null

# ---- a FIFO where a config should be does not stop create ----
mkdir -p "$A/$pfx-fifo" "$A/$pfx-link"
mkfifo "$A/$pfx-fifo/config" "$WORK/fifo"
ln -s "$WORK/fifo" "$A/$pfx-link/config"
run timeout 30 "$MGR" create -P "$A" -n "$pfx-c1" -t busybox
expect_rc 0 "create beside a FIFO config and a symlink to a FIFO finishes (bounded by timeout)"
run timeout 10 "$MGR" ls -P "$A"
expect_rc 0 "ls beside them finishes"
rm -rf "$A/$pfx-fifo" "$A/$pfx-link"

# ---- a SIGKILLed create leaves a folder the next create removes ----
printf '#!/bin/sh\nmkdir -p "$6"; touch "$6/started"; exec sleep 30\n' > "$WORK/slow-template"; chmod +x "$WORK/slow-template"
"$MGR" create -P "$A" -n "$pfx-slow" -t "$WORK/slow-template" >/dev/null 2>&1 &
cpid=$!
for i in $(seq 100); do ls "$A"/.$pfx-slow.creating-*/rootfs/started >/dev/null 2>&1 && break; sleep 0.1; done
kill -9 $cpid; wait $cpid 2>/dev/null
stale=$(ls -d "$A"/.$pfx-slow.creating-* 2>/dev/null)
[ -n "$stale" ] && pass "SIGKILL leaves $(basename "$stale")" || fail "no creating folder to clean up"
run m "$B" create -n "$pfx-c2" -t busybox
expect_rc 0 "the next create (in another folder) works"
[ ! -e "$stale" ] && pass "and removed the stale creating folder" || fail "stale folder left: $stale"

# ---- the monitor dies during a start hook ----
m "$A" config -n "$n" set hooks.start "/bin/sleep 3" >/dev/null
timeout "$T" "$MGR" start -P "$A" -n "$n" >"$WORK/start.out" 2>&1 &
spid=$!
rt=$(jget "$A" "$n" runtime_dir)
mon=
# The hook runs once the child is in its cgroups (any of them: on v2 and
# name=systemd the processes are in NAME/ns, not in NAME), before init's
# exec: the start is still STARTING.
for i in $(seq 400); do
  mon=$(sed -n 's/^monitor_pid=//p' "$rt/state" 2>/dev/null)
  [ -n "$mon" ] && [ "$mon" != 0 ] && [ "$(sed -n 's/^state=//p' "$rt/state")" = STARTING ] \
    && find $(cgroups_of "$ida") -name cgroup.procs -exec cat {} + 2>/dev/null | grep -q . && break
  sleep 0.05
done
st=$(sed -n 's/^state=//p' "$rt/state")
kill -9 "$mon"
[ "$st" = STARTING ] && pass "[hook] the monitor is killed during the start hook" || fail "[hook] the kill came when the state was $st"
# SIGKILL is delivered, not done: the monitor has died once it is a zombie.
for _ in $(seq 400); do gone "$mon" && break; sleep 0.05; done
# The child, still before init's exec, finds its monitor gone once the hook
# ends, and ends too: the start has failed, and nothing of it is left.
wait "$spid"
expect_in "$(cat "$WORK/start.out")" "the monitor died while starting the container" "[hook] mgr-start fails, and says why"
for _ in $(seq 400); do [ -z "$(cgroups_of "$ida")" ] && break; sleep 0.05; done
[ -z "$(cgroups_of "$ida")" ] && pass "[hook] no cgroup left in any hierarchy (no process either)" || fail "[hook] left: $(cgroups_of "$ida")"
expect_in "$(m "$A" ls -f)" "STOPPED" "[hook] ls says STOPPED"
m "$A" config -n "$n" unset hooks.start >/dev/null
run m "$A" start -n "$n"
expect_rc 0 "[hook] start works again"

# ---- the monitor dies while running; init has exec'd ----
mon=$(jget "$A" "$n" monitor_pid); pa=$(jget "$A" "$n" pid)
kill -9 "$mon"
for _ in $(seq 400); do gone "$mon" && break; sleep 0.05; done
expect_in "$(m "$A" ls -f)" "ORPHANED" "[running] ls -f shows it"
run m "$A" attach -n "$n" -- echo still-there
expect_in "$OUT" "still-there" "[running] attach works without the monitor"
run m "$A" start -n "$n"
expect_rc 1 "[running] start refuses"
run m "$A" stop -k -n "$n"
expect_rc 0 "[running] stop -k"
sleep 0.2
gone "$pa" && pass "[running] init is gone" || fail "[running] init $pa there"
[ -z "$(cgroups_of "$ida")" ] && pass "[running] no cgroup left" || fail "[running] left: $(cgroups_of "$ida")"
run m "$A" stop -k -n "$n"
expect_rc 2 "[running] a second stop -k: not running, exit 2"
run m "$A" start -n "$n"
expect_rc 0 "[running] start works again"
m "$A" stop -k -n "$n" >/dev/null

# ---- concurrency: 20 workers start, stop and attach 3 containers ----
names="$pfx-s1 $pfx-s2 $pfx-s3"
for c in $names; do m "$A" create -n "$c" -t busybox >/dev/null; done
ids=$(for c in $names; do jget "$A" "$c" id; done)
worker() {
  local end=$(( SECONDS + 15 )) c op rc
  while [ $SECONDS -lt $end ]; do
    set -- $names; shift $(( RANDOM % 3 )); c=$1
    case $(( RANDOM % 3 )) in
      0) op=start; timeout 60 "$MGR" start -P "$A" -n "$c" ;;
      1) op=stop; timeout 60 "$MGR" stop -k -P "$A" -n "$c" ;;
      *) op=attach; timeout 60 "$MGR" attach -P "$A" -n "$c" -- true ;;
    esac >/dev/null 2>"$WORK/w$BASHPID.err"
    rc=$?
    [ -s "$WORK/w$BASHPID.err" ] && sed "s/^/$op $rc /" "$WORK/w$BASHPID.err"
    [ -s "$WORK/w$BASHPID.err" ] || [ $rc = 0 ] || [ $op = attach -a $rc = 137 ] || echo "$op $rc (no message)"
  done
}
for w in $(seq 20); do worker > "$WORK/worker$w.log" & done
wait
cat "$WORK"/worker*.log > "$WORK/all.log"
# What a loser of a race may be told, and nothing else.
unexpected=$(grep -v -E \
  -e "^start 1 mgr-start: $pfx-s[123] is already (running|starting|stopping)" \
  -e "^stop 2 mgr-stop: $pfx-s[123] (is not running|stopped meanwhile)" \
  -e "^attach 1 mgr-attach: $pfx-s[123] (is not running|stopped while attaching)" \
  "$WORK/all.log")
[ -z "$unexpected" ] && pass "every failure under contention says what happened ($(wc -l < "$WORK/all.log") lost races)" \
  || fail "unexpected messages: $(echo "$unexpected" | sort | uniq -c | sort -rn | head -20)"
stray=
for c in $names; do
  [ "$(jget "$A" "$c" state)" = STOPPED ] && stray="$stray$(cgroups_of "$(jget "$A" "$c" id)")"
done
[ -z "$stray" ] && pass "a container the race left stopped has no cgroup" || fail "cgroups of stopped containers: $stray"
for c in $names; do m "$A" stop -k -n "$c" >/dev/null 2>&1; done
left=$(for id in $ids; do cgroups_of "$id"; done)
[ -z "$left" ] && pass "no cgroup is left in any hierarchy, empty or not" || fail "cgroups left: $left"
states=$(for c in $names; do jget "$A" "$c" state; done | sort -u)
[ "$states" = STOPPED ] && pass "all three are STOPPED" || fail "states: $states"

finish
