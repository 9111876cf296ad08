#!/bin/bash
# Ordinary users: containers under ~/.local/share/mgr, one id block each
# from the user's own /etc/subuid and /etc/subgid ranges, every verb as the
# user, and no reach into another user's containers. The users are made
# here (useradd, per-run names) and removed at exit with all they own.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the users tests make users with useradd, as root"; exit 77; }
for t in useradd userdel usermod runuser newuidmap newgidmap curl python3; do
  command -v $t >/dev/null || { echo "SKIP: $t is missing (./quickstart.sh installs what the tests need)"; exit 77; }
done
T=60
pfx=mu$$
A=${pfx}a B=${pfx}b C=${pfx}c
MIRROR_ENV=
SERVER_PID=

# asu USER CMD...: CMD as USER with a clean environment (no logind here, so
# no XDG_RUNTIME_DIR unless given: mgr falls back to ~/.cache/mgr/run).
asu() {
  local u=$1; shift
  runuser -u "$u" -- env -i HOME="/home/$u" USER="$u" LOGNAME="$u" PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C \
    MGR_TEMPLATES_DIR="$MGR_SRCDIR/templates" MGR_SECCOMP_DIR="$MGR_SRCDIR/config/seccomp" $EXTRA_ENV \
    timeout "$T" "$@"
}
EXTRA_ENV=
m() { local u=$1 verb=$2; shift 2; asu "$u" "$MGR" "$verb" "$@"; }

# The users' processes and those of their containers' blocks, by pid.
user_pids() {
  local lo hi
  for u in $A $B $C; do id -u "$u" >/dev/null 2>&1 && ps -o pid= -u "$u"; done
  for r in $BLOCKS; do
    lo=${r%-*} hi=${r#*-}
    ps -eo pid=,uid= | awk -v lo="$lo" -v hi="$hi" '$2 >= lo && $2 <= hi { print $1 }'
  done
}
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
  [ -n "${NETST:-}" ] && [ -d "$NETST/net" ] && nsenter --net="/run/netns/$pfx" env MGR_NET_STATE="$NETST/net" "$MGR" net down >/dev/null 2>&1
  [ -n "${NETST:-}" ] && rm -rf "$NETST"
  ip netns del "$pfx" 2>/dev/null
  for u in $A $B; do
    for c in /home/"$u"/.local/share/mgr/*/; do
      [ -d "$c" ] && m "$u" destroy -f -n "$(basename "$c")" >/dev/null 2>&1
    done
  done
  for p in $(user_pids); do kill -KILL "$p" 2>/dev/null; done
  for u in $A $B $C; do id -u "$u" >/dev/null 2>&1 && userdel -r "$u" >/dev/null 2>&1; done
  rm -rf "$WORK"
}
trap cleanup EXIT
BLOCKS=

# ---- users: A has two lines of 65536 ids, B one line of 131072, C none ----
useradd -m -s /bin/sh "$A" && useradd -m -s /bin/sh -K SUB_UID_COUNT=131072 -K SUB_GID_COUNT=131072 "$B" \
  && useradd -m -s /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$C" || { fail "useradd"; finish; exit 1; }
# A's second line: past every range in the files (useradd takes the lock).
top=$(cat /etc/subuid /etc/subgid | awk -F: '{ e = $2 + $3; if (e > m) m = e } END { print m + 65536 * 16 }')
usermod --add-subuids "$top-$((top + 65535))" --add-subgids "$top-$((top + 65535))" "$A"
[ "$(grep -c "^$A:" /etc/subuid)" = 2 ] && pass "A has two subuid lines" || fail "A's subuid lines: $(grep "^$A:" /etc/subuid)"
for u in $A $B; do
  while IFS=: read -r n s c; do [ "$n" = "$u" ] && BLOCKS="$BLOCKS $s-$((s + c - 1))"; done < /etc/subuid
done
# The build tree must be readable by the users (it is, unless under a 0700 folder).
if ! asu "$A" test -x "$MGR"; then echo "SKIP: $MGR is not reachable by an ordinary user"; exit 77; fi

# ---- the image server (for -t download) ----
chmod 755 "$WORK"
M="$WORK/mirror"
"$MGR_SRCDIR/tests/download/make-mirror.sh" "$M" "$WORK" >/dev/null
python3 "$MGR_SRCDIR/tests/download/image-server.py" "$M" "$WORK/port" "$WORK/requests" "$WORK/faults" &
SERVER_PID=$!
for i in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$WORK/port")"
dlargs="-- --server $URL -d busybox -r 1.35 -a amd64"

# ---- a user without ranges ----
run m "$C" checkconfig --user
expect_rc 1 "checkconfig --user: C is not ready"
expect_in "$OUT" "MISSING  subordinate ids" "the missing ranges are named"
expect_in "$OUT" "usermod --add-subuids" "with the usermod command"
expect_in "$OUT" "$C" "for C"
run m "$A" checkconfig --user
expect_rc 0 "checkconfig --user: A is ready"
expect_in "$OUT" "ready: $A can create and start containers" "and says so"
expect_in "$OUT" "2 blocks of 65536 ids" "counting A's two blocks"
expect_in "$OUT" "newuidmap" "newuidmap is checked"
expect_in "$OUT" "cgroups" "the cgroup layout is shown"
run m "$B" checkconfig --user --format json
expect_rc 0 "checkconfig --format json"
echo "$OUT" | python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["ready"] and any(c["name"] == "subordinate ids" for c in d["checks"])' \
  && pass "the JSON parses and says ready" || fail "JSON: $OUT"
run m "$C" create -n c1 -t busybox
expect_rc 1 "C (no subordinate ranges) cannot create"
expect_in "$ERR" "usermod --add-subuids" "and is told the usermod line"
expect_in "$ERR" "mgr-checkconfig --user" "and pointed to mgr-checkconfig"
[ ! -e "/home/$C/.local/share/mgr/c1" ] && pass "nothing is left of C's container" || fail "c1 left behind"

# ---- create: busybox and download for each user ----
run m "$A" create -n a1 -t busybox
expect_rc 0 "A creates a busybox container"
run m "$A" create -n a2 -t download $dlargs
expect_rc 0 "A creates a container from the image server"
expect_in "$OUT" "Welcome to the test image." "the download ran as A"
run m "$B" create -n b1 -t busybox
expect_rc 0 "B creates a busybox container"
run m "$B" create -n b2 -t download $dlargs
expect_rc 0 "B creates a container from the image server"
[ "$(stat -c %a "/home/$A/.local/share/mgr")" = 700 ] && pass "~/.local/share/mgr is 0700" \
  || fail "mode $(stat -c %a "/home/$A/.local/share/mgr")"
[ "$(stat -c %a "/home/$A/.cache/mgr")" = 700 ] && pass "~/.cache/mgr is 0700" || fail "cache mode $(stat -c %a "/home/$A/.cache/mgr")"
[ -d "/home/$A/.cache/mgr/download" ] && pass "A's image cache is in ~/.cache/mgr" || fail "no download cache for A"
[ ! -e "/home/$A/.local/share/mgr/a2/rootfs/dev/testnode" ] && pass "device nodes of the image are skipped" || fail "device node unpacked"

block() { sed -n "s/^$2 = 0 \([0-9]*\) 65536$/\1/p" "$1/config"; }
declare -A UB GB DIR
for x in "$A a1" "$A a2" "$B b1" "$B b2"; do
  set -- $x
  DIR[$2]=/home/$1/.local/share/mgr/$2
  UB[$2]=$(block "${DIR[$2]}" uid)
  GB[$2]=$(block "${DIR[$2]}" gid)
  own=$(stat -c %u:%g "${DIR[$2]}/rootfs/bin/busybox")
  [ "$own" = "${UB[$2]}:${GB[$2]}" ] && pass "$2: the rootfs belongs to its block (${UB[$2]})" \
    || fail "$2: rootfs owner $own, block ${UB[$2]}:${GB[$2]}"
done
all="${UB[a1]} ${UB[a2]} ${UB[b1]} ${UB[b2]}"
disjoint=yes
for x in $all; do for y in $all; do
  [ "$x" != "$y" ] && [ $((x > y ? x - y : y - x)) -lt 65536 ] && disjoint=no
done; done
[ "$(echo $all | tr ' ' '\n' | sort -u | wc -l)" = 4 ] && [ $disjoint = yes ] \
  && pass "four containers, four disjoint id blocks ($all)" || fail "blocks overlap: $all"
a_lines=$(grep "^$A:" /etc/subuid | cut -d: -f2 | sort -n | tr '\n' ' ')
case " $a_lines " in *" ${UB[a1]} "*) ;; *) fail "a1's block ${UB[a1]} is not one of A's ranges ($a_lines)" ;; esac
[ "${UB[a1]}" != "${UB[a2]}" ] && pass "A's two containers use both of A's lines ($a_lines)" || fail "A's blocks: ${UB[a1]} ${UB[a2]}"

# ---- Ctrl-C during a user's download leaves nothing ----
echo "rootfs.tar.xz slow" > "$WORK/faults"
m "$A" create -n ax -t download $dlargs --flush-cache >/dev/null 2>&1 &
for _ in $(seq 100); do
  mpid=$(pgrep -u "$A" -x mgr | head -1)
  [ -n "$mpid" ] && ls -d /home/"$A"/.local/share/mgr/.ax.creating-* >/dev/null 2>&1 && break
  sleep 0.1
done
sleep 1
[ -n "$mpid" ] && kill -INT "$mpid"
wait $! 2>/dev/null
: > "$WORK/faults"
ls -a "/home/$A/.local/share/mgr" | grep -q 'ax' && fail "Ctrl-C left: $(ls -a "/home/$A/.local/share/mgr")" \
  || pass "Ctrl-C during the download leaves no half container"

# ---- ranges used up ----
run m "$A" create -n a3 -t busybox
expect_rc 1 "A's third container: no block left"
expect_in "$ERR" "2 blocks" "the error counts A's blocks"
expect_in "$ERR" "a1, a2" "and names the containers holding them"
expect_in "$ERR" "usermod --add-subuids" "and gives the usermod line"
expect_in "$ERR" "--add-subgids" "for gids too"
[ ! -e "/home/$A/.local/share/mgr/a3" ] && pass "nothing is left of a3" || fail "a3 left behind"
run m "$A" create -n a3 -t busybox --shared-ids
expect_rc 0 "--shared-ids reuses a block knowingly"
run m "$A" destroy -n a3
expect_rc 0 "and that container is destroyed by A"
[ ! -e "/home/$A/.local/share/mgr/a3" ] && pass "its folder (rootfs of subordinate ids) is gone" || fail "a3 still there"
printf '[id_map]\nuid = 0 %s 65536\ngid = 0 %s 65536\n' "${UB[a1]}" "${GB[a1]}" > "$WORK/ids.conf"
chmod 644 "$WORK/ids.conf"
run m "$A" create -n a3 -t busybox -f "$WORK/ids.conf"
expect_rc 0 "-f with an explicit [id_map] reuses a block knowingly"
[ "$(stat -c %u "/home/$A/.local/share/mgr/a3/rootfs/bin/busybox")" = "${UB[a1]}" ] \
  && pass "and the rootfs belongs to that block" || fail "a3 owner $(stat -c %u "/home/$A/.local/share/mgr/a3/rootfs/bin/busybox")"
m "$A" destroy -n a3 >/dev/null 2>&1
run m "$A" create -n a1 -t busybox --privileged
expect_rc 1 "--privileged is refused for a user"

# ---- all four running at once (B with XDG_RUNTIME_DIR, A without) ----
RUNB="$WORK/run-$B"
mkdir -m 700 "$RUNB" && chown "$B" "$RUNB"
run m "$A" start -n a1
expect_rc 0 "A starts a1"
expect_in "$ERR" "runs without limits" "one line says limits and freeze are unavailable"
expect_in "$ERR" "Delegate=yes" "and how to get a delegation"
[ "$(echo "$ERR" | wc -l)" = 1 ] && pass "in one line" || fail "more than one line: $ERR"
run m "$A" start -n a2
expect_rc 0 "A starts a2"
EXTRA_ENV="XDG_RUNTIME_DIR=$RUNB"
run m "$B" start -n b1
expect_rc 0 "B starts b1 (runtime in \$XDG_RUNTIME_DIR)"
run m "$B" start -n b2
expect_rc 0 "B starts b2"
[ -S "$RUNB/mgr/b1/monitor.sock" ] || [ -d "$RUNB/mgr" ] && pass "B's runtime state is under \$XDG_RUNTIME_DIR/mgr" \
  || fail "nothing under $RUNB: $(ls -R "$RUNB" 2>&1 | head -5)"
EXTRA_ENV=
[ -d "/home/$A/.cache/mgr/run" ] && [ "$(stat -c %a "/home/$A/.cache/mgr/run")" = 700 ] \
  && pass "A's runtime state is in ~/.cache/mgr/run (0700)" || fail "no 0700 ~/.cache/mgr/run for A"

# A user's compiled seccomp filters: in their own cache folder, used on the
# same terms as root's (seccomp.c): the user's, writable by nobody else.
SC="/home/$A/.cache/mgr/seccomp"
f=$(ls "$SC" 2>/dev/null | head -1)
[ -n "$f" ] && [ "$(stat -c '%U %a' "$SC")" = "$A 700" ] && [ "$(stat -c '%U %a %F' "$SC/$f")" = "$A 644 regular file" ] \
  && pass "A's compiled seccomp filter is cached in ~/.cache/mgr/seccomp (A's, 700; entry 644)" || fail "A's cache: $(ls -la "$SC" 2>&1)"
tr=$(EXTRA_ENV="MGR_TRACE=1" m "$A" attach -n a1 -- /bin/true 2>&1)
expect_in "$tr" "seccomp: filter from the cache" "A's next attach takes the filter from A's cache"
chmod 664 "$SC/$f"
tr=$(EXTRA_ENV="MGR_TRACE=1" m "$A" attach -n a1 -- /bin/true 2>&1)
expect_in "$tr" "seccomp: filter compiled" "an entry others could have written (group-writable) is not used"

owner() { EXTRA_ENV=$3 m "$1" attach -n "$2" -- sh -c 'sleep 300 >/dev/null 2>&1 & touch /root/made-by-root; chown 1000:1000 /tmp; echo ok'; }
for x in "$A a1" "$A a2" "$B b1" "$B b2"; do
  set -- $x
  env=; [ "$1" = "$B" ] && env="XDG_RUNTIME_DIR=$RUNB"
  run owner "$1" "$2" "$env"
  expect_in "$OUT" ok "$2: attach as its user"
  pid=$(EXTRA_ENV=$env m "$1" info -n "$2" | sed -n 's/^PID: *//p')
  [ -n "$pid" ] && [ "$(stat -c %u "/proc/$pid")" = "${UB[$2]}" ] && pass "$2: init runs as host uid ${UB[$2]}" \
    || fail "$2: init pid '$pid' owner $(stat -c %u "/proc/$pid" 2>&1)"
  ps -eo uid=,args= | grep -q "^ *${UB[$2]} sleep 300" && pass "$2: its sleep runs under its block" \
    || fail "$2: no sleep under ${UB[$2]}: $(ps -eo uid=,args= | grep 'sleep 300')"
  [ "$(stat -c %u:%g "${DIR[$2]}/rootfs/root/made-by-root")" = "${UB[$2]}:${GB[$2]}" ] \
    && pass "$2: a file root made inside is owned on the host by the block" \
    || fail "$2: owner $(stat -c %u:%g "${DIR[$2]}/rootfs/root/made-by-root")"
done
[ "$(stat -c %u "${DIR[a1]}/rootfs/tmp")" = $((UB[a1] + 1000)) ] && [ "$(stat -c %u "${DIR[b1]}/rootfs/tmp")" = $((UB[b1] + 1000)) ] \
  && [ $((UB[a1] + 1000)) != $((UB[b1] + 1000)) ] && pass "uid 1000 in a1 is not uid 1000 in b1 (host $((UB[a1] + 1000)) and $((UB[b1] + 1000)))" \
  || fail "uid 1000: $(stat -c %u "${DIR[a1]}/rootfs/tmp") $(stat -c %u "${DIR[b1]}/rootfs/tmp")"

# ---- every verb as A ----
run m "$A" ls -f
expect_in "$OUT" "a1" "ls -f lists a1"
expect_in "$OUT" "RUNNING" "as running"
run m "$A" info -n a1
expect_in "$OUT" "root is host uid ${UB[a1]}" "info shows the block"
run m "$A" execute -n a1 -- true
expect_rc 1 "execute refuses a running container"
run m "$A" config -n a1 get container.init
expect_in "$OUT" "/sbin/init" "config get"
run m "$A" config -n a1 set container.hostname changed
expect_rc 0 "config set"
run m "$A" config -n a1 set --live cgroup.pids.max 100
expect_rc 1 "config --live without a delegated cgroup fails"
expect_in "$ERR" "Delegate=yes" "naming the fix"
run m "$A" freeze -n a1
expect_rc 1 "freeze without a delegated cgroup fails"
expect_in "$ERR" "delegated" "saying why"
# The console on a terminal (script gives one): a command typed there runs
# in the container's shell on /dev/console; Ctrl-a q leaves.
(sleep 1; printf 'echo con$((6*7))sole\r'; sleep 1; printf '\001q') \
  | asu "$A" script -qec "$MGR console -n a1" /dev/null > "$WORK/console.out" 2>&1
grep -aq con42sole "$WORK/console.out" && pass "console: the user types into the container's console" \
  || fail "console: $(tr -cd '[:print:]\n' < "$WORK/console.out" | tail -5)"

# ---- B cannot touch A's container ----
PA=/home/$A/.local/share/mgr
for v in "attach -n a1 -P $PA -- true" "stop -n a1 -P $PA -k" "config -n a1 -P $PA set container.hostname x" "destroy -f -n a1 -P $PA" "freeze -n a1 -P $PA" "info -n a1 -P $PA"; do
  run m "$B" $v
  expect_rc 1 "B: ${v%% *} of A's container is refused"
  expect_in "$ERR" "permission denied" "with a permission error"
  expect_in "$ERR" "$A" "naming the owner"
done
run m "$B" ls -f -P "$PA"
expect_rc 1 "B: ls of A's folder is refused"
expect_in "$ERR" "Permission denied" "with a permission error"
run m "$A" attach -n a1 -- true
expect_rc 0 "A's container is unharmed"
expect_in "$(cat "$PA/a1/config")" "hostname = changed" "and its config is A's"

# ---- limits without a delegation; networks a user cannot have ----
run m "$A" stop -n a1
expect_rc 0 "stop"
run m "$A" start -n a1 -s cgroup.memory.max=64M
expect_rc 1 "a container asking for memory.max fails without a delegated cgroup"
expect_in "$ERR" "memory.max" "naming the key"
expect_in "$ERR" "Delegate=yes" "and the fix"
run m "$A" start -n a1 -s "network.eth0.type=macvlan" -s "network.eth0.link=lo"
expect_rc 1 "macvlan is refused for a user"
expect_in "$ERR" "not available to an ordinary user" "with a clear error"
run m "$A" ls -f
expect_in "$OUT" "STOPPED" "nothing started by the failures"
run m "$A" execute -n a1 -- id -u
expect_rc 0 "execute as the user"
expect_in "$OUT" "0" "runs as the container's root"

# ---- autostart as the user ----
m "$A" config -n a1 set container.autostart true >/dev/null
run m "$A" autostart
expect_rc 0 "mgr-autostart as the user"
run m "$A" ls -f
expect_in "$(echo "$OUT" | grep '^a1 ')" RUNNING "starts the user's autostart container"
run m "$A" autostart --stop
expect_rc 0 "and stops it"

# ---- a veth through mgr-user-nic, in a network namespace of the test ----
# The test build of the helper (its usernet under the build tree), setuid
# root in a private folder; the user runs in the test's namespace, where the
# bridge is.
NICB="$MGR_BUILDDIR/tests/usernic/mgr-user-nic-users"
NR="$MGR_BUILDDIR/tests/users-usernic"
if [ -x "$NICB" ] && command -v ip >/dev/null; then
  mkdir -m 755 "$WORK/bin" && install -o root -g root -m 4755 "$NICB" "$WORK/bin/mgr-user-nic"
  rm -rf "$NR" && mkdir -m 755 -p "$NR" && echo "$A veth br0 1" > "$NR/usernet" && chmod 644 "$NR/usernet"
  NS=$pfx
  ip netns add "$NS" && ip -n "$NS" link set lo up && ip -n "$NS" link add br0 type bridge \
    && ip -n "$NS" link add br1 type bridge && ip -n "$NS" link set br0 up && ip -n "$NS" addr add 10.78.0.1/24 dev br0
  inns() { nsenter --net="/run/netns/$NS" "$@"; }
  m "$A" stop -n a2 -k >/dev/null 2>&1
  net="-s network.eth0.type=veth -s network.eth0.link=br0 -s network.eth0.ipv4=10.78.0.2/24"
  run inns runuser -u "$A" -- env -i HOME="/home/$A" PATH=/usr/bin:/bin \
    MGR_SECCOMP_DIR="$MGR_SRCDIR/config/seccomp" MGR_USER_NIC="$WORK/bin/mgr-user-nic" timeout "$T" "$MGR" start -n a1 $net
  expect_rc 0 "A's container starts with a veth on br0 (usernet allows one)"
  run m "$A" attach -n a1 -- ping -c 1 -W 5 10.78.0.1
  expect_rc 0 "it pings the bridge's address"
  hostif=$(ip -n "$NS" -o link show master br0 | grep -o "u$(printf %x "$(id -u "$A")")v[0-9a-f]*" | head -1)
  [ -n "$hostif" ] && pass "the host end $hostif is on br0" || fail "no host end on br0: $(ip -n "$NS" -o link show)"
  run inns runuser -u "$A" -- env -i HOME="/home/$A" PATH=/usr/bin:/bin MGR_SECCOMP_DIR="$MGR_SRCDIR/config/seccomp" \
    MGR_USER_NIC="$WORK/bin/mgr-user-nic" timeout "$T" "$MGR" start -n a2 $net
  expect_rc 1 "a second veth on br0 is over A's quota"
  expect_in "$ERR" "mgr-user-nic" "the helper's refusal is passed on"
  run inns runuser -u "$A" -- env -i HOME="/home/$A" PATH=/usr/bin:/bin MGR_SECCOMP_DIR="$MGR_SRCDIR/config/seccomp" \
    MGR_USER_NIC="$WORK/bin/mgr-user-nic" timeout "$T" "$MGR" start -n a2 -s network.eth0.type=veth -s network.eth0.link=br1
  expect_rc 1 "a bridge not in usernet is refused"
  run m "$A" ls -f
  expect_in "$(echo "$OUT" | grep '^a2 ')" STOPPED "nothing of a2 runs after the refusals"
  run m "$A" stop -n a1 -k
  for _ in $(seq 20); do [ -z "$(ip -n "$NS" -o link show master br0)" ] && break; sleep 0.2; done
  [ -z "$(ip -n "$NS" -o link show master br0)" ] && pass "after stop no interface is left on br0" \
    || fail "left on br0: $(ip -n "$NS" -o link show master br0)"

  # ---- on mgr-net's managed bridge: the user's veth gets its address by DHCP ----
  # mgr-net up (root) in the same namespace, its state and mgr.conf in a
  # folder of the test's own that dnsmasq (its own user) can read.
  NETST=$(mktemp -d /tmp/mgr-net-XXXXXX) && chmod 755 "$NETST" && mkdir -p "$NETST/etc/mgr" && : > "$NETST/etc/mgr/mgr.conf"
  netroot() { nsenter --net="/run/netns/$NS" env MGR_SYSCONFDIR="$NETST/etc" MGR_NET_STATE="$NETST/net" "$MGR" net "$@"; }
  run netroot up
  expect_rc 0 "mgr-net up in the test's namespace"
  echo "$A veth mgrbr0 1" >> "$NR/usernet"
  run inns runuser -u "$A" -- env -i HOME="/home/$A" PATH=/usr/bin:/bin MGR_SECCOMP_DIR="$MGR_SRCDIR/config/seccomp" \
    MGR_USER_NIC="$WORK/bin/mgr-user-nic" timeout "$T" "$MGR" start -n a1 -s network.eth0.type=veth -s network.eth0.link=mgrbr0
  expect_rc 0 "A's container starts with a veth on mgrbr0 (through mgr-user-nic, no address from mgr)"
  run m "$A" attach -n a1 -- sh -c 'printf "%s\n" "#!/bin/sh" "[ \"\$1\" = bound ] || exit 0" \
    "ifconfig \$interface \$ip netmask \$subnet && echo \$ip > /tmp/lease" > /tmp/lease.sh && chmod 755 /tmp/lease.sh \
    && udhcpc -i eth0 -n -q -t 5 -T 1 -s /tmp/lease.sh'
  expect_rc 0 "udhcpc in A's container gets a lease"
  lease=$(m "$A" attach -n a1 -- cat /tmp/lease)
  case "$lease" in
    # dnsmasq's range is the upper half, .128-.254 (netmgr.c); which one it
    # gives depends on the veth's random MAC.
    10.0.3.12[89] | 10.0.3.1[3-9][0-9] | 10.0.3.2[0-4][0-9] | 10.0.3.25[0-4]) pass "from dnsmasq's dynamic half of the subnet: $lease" ;;
    *) fail "lease: '$lease'" ;;
  esac
  expect_in "$(cat "$NETST/net/dnsmasq.leases" 2>/dev/null)" " $lease " "dnsmasq's lease file has it"
  run m "$A" attach -n a1 -- ping -c 1 -W 5 10.0.3.1
  expect_rc 0 "A's container pings the managed bridge with it"
  # No user changes mgr's table, dnsmasq or the bridge.
  asns() { inns runuser -u "$A" -- "$@"; }
  run asns nft flush table inet mgr
  [ "$RC" -ne 0 ] && pass "A cannot flush table inet mgr" || fail "A flushed table inet mgr"
  run asns ip link set mgrbr0 down
  [ "$RC" -ne 0 ] && pass "A cannot take mgrbr0 down" || fail "A took mgrbr0 down"
  run asns kill "$(cat "$NETST/net/dnsmasq.pid")"
  [ "$RC" -ne 0 ] && pass "A cannot signal dnsmasq" || fail "A signalled dnsmasq"
  run asns sh -c "echo 02:00:00:00:00:01,10.0.3.2,evil >> $NETST/net/dhcp-hosts"
  [ "$RC" -ne 0 ] && pass "A cannot add a fixed lease" || fail "A wrote dnsmasq's dhcp-hosts"
  run netroot status
  expect_rc 0 "mgr-net status: all there after A's tries"
  m "$A" stop -n a1 -k >/dev/null 2>&1
  run netroot down
  expect_rc 0 "mgr-net down"
  rm -rf "$NETST"
  ip netns del "$NS"
  rm -rf "$NR"
else
  fail "the veth tests need $NICB (make check builds it) and ip"
fi

# ---- stop and destroy everything as the users ----
for x in "$A a1" "$A a2" "$B b1" "$B b2"; do
  set -- $x
  env=; [ "$1" = "$B" ] && env="XDG_RUNTIME_DIR=$RUNB"
  EXTRA_ENV=$env run m "$1" stop -n "$2" -k
  EXTRA_ENV=$env run m "$1" destroy -n "$2"
  expect_rc 0 "$2: destroyed by its user"
  [ ! -e "${DIR[$2]}" ] && pass "$2: its folder is gone" || fail "$2: ${DIR[$2]} left"
done
left=$(user_pids | tr '\n' ' ')
# (a monitor that just exited may still wait to be reaped: a zombie holds nothing)
[ -n "${left// }" ] && left=$(for p in $left; do ps -o pid=,stat=,uid=,args= -p "$p" | awk '$2 !~ /^Z/'; done)
[ -z "${left// }" ] && pass "no process of the users or their blocks is left" || fail "left: $left"
finish
