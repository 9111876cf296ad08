#!/bin/bash
# mgr-user-nic, the setuid helper that gives an ordinary user's container a
# veth on an allowed bridge. The test makes a user (useradd, with subordinate
# ranges), a network namespace with bridges (the helper acts in its own
# current namespace, so it runs there under nsenter --net), and a "container":
# a process of that user in a user and network namespace of its own
# (unshare --user --net). It installs the test build of the helper (its
# usernet and database under the build tree) setuid root in a private folder.
# Then every attack lxc-user-nic fell to is tried, and must fail.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (useradd, a setuid copy, a network namespace)"; exit 77; }
for t in ip nsenter unshare useradd userdel setpriv strace cc python3; do
  command -v $t >/dev/null || { echo "FAIL: $t missing (./quickstart.sh check installs it)"; echo "0 passed, 1 failed"; exit 1; }
done
BUILT="$MGR_BUILDDIR/tests/usernic/mgr-user-nic-test"
ROOTDIR="$MGR_BUILDDIR/tests/usernic-root"   # compiled into the test build
[ -x "$BUILT" ] || { echo "FAIL: $BUILT not built"; echo "0 passed, 1 failed"; exit 1; }

U="itn$$"
NS="itn$$"
CPID=""
OTHER=""
chmod 755 "$WORK"
cleanup() {
  [ -n "$CPID" ] && kill "$CPID" 2>/dev/null
  [ -n "$OTHER" ] && kill "$OTHER" 2>/dev/null
  wait 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  ip netns del "${NS}x" 2>/dev/null
  id "$U" >/dev/null 2>&1 && userdel "$U" 2>/dev/null
  rm -rf "$ROOTDIR" "$WORK"
}
trap cleanup EXIT

useradd -M -U -s /bin/sh "$U" || { echo "FAIL: useradd"; exit 1; }
UID_=$(id -u "$U")
grep -q "^$U:" /etc/subuid && pass "the test user $U has a subordinate range" || fail "no subuid range for $U"
HELPER="$WORK/bin/mgr-user-nic"
mkdir -m 755 "$WORK/bin"
install -o root -g root -m 4755 "$BUILT" "$HELPER"

rm -rf "$ROOTDIR"
mkdir -m 755 -p "$ROOTDIR"
DB="$ROOTDIR/run/usernic/nics"
cat > "$ROOTDIR/usernet" <<EOF
# the test's usernet
$U veth br0 2
@$U veth br2 1
someoneelse veth br1 5
EOF
chmod 644 "$ROOTDIR/usernet"

ip netns add "$NS"
ip netns add "${NS}x"
ip -n "$NS" link set lo up
for b in br0 br1 br2; do ip -n "$NS" link add $b type bridge; ip -n "$NS" link set $b up; done
ip -n "$NS" addr add 10.77.0.1/24 dev br0

# The user's "container": its own user and network namespace.
setpriv --reuid="$U" --regid="$U" --init-groups -- unshare --user --map-root-user --net sleep 600 >/dev/null 2>&1 &
CPID=$!
for _ in $(seq 50); do [ "$(readlink /proc/$CPID/ns/user)" != "$(readlink /proc/self/ns/user)" ] && break; sleep 0.1; done

# asuser CMD...: the test user, inside the test's network namespace, in /.
asuser() { (cd / && nsenter --net="/run/netns/$NS" setpriv --reuid="$U" --regid="$U" --init-groups -- "$@"); }
# nic ARGS...: the helper as the user with the container's nsfd on fd 3.
nic() { asuser sh -c 'exec 3</proc/'"$CPID"'/ns/net && exec "$0" "$@"' "$HELPER" "$@"; }
inc() { nsenter -t "$CPID" -n "$@"; }
hostifs() { ip -n "$NS" -o link show | grep -o "u$(printf %x "$UID_")v[0-9a-f]*" | sort -u; }

run asuser "$HELPER" --help
expect_in "$OUT" "create [--netns-fd N] [--peer NAME] [--mtu N] BRIDGE" "--help documents the command line"

# ---- the normal path ------------------------------------------------------------
run nic create br0
expect_rc 0 "create: a veth on an allowed bridge"
H1=${OUT%% *}
expect_in "$OUT" " eth0" "it prints the host end and the peer: $OUT"
expect_in "$(ip -n "$NS" -o link show master br0)" "$H1" "the host end $H1 is on br0 and up"
expect_in "$(inc ip -o link show eth0)" "eth0" "the peer eth0 is in the container's namespace"
inc ip addr add 10.77.0.2/24 dev eth0
inc ip link set eth0 up
run inc /bin/busybox ping -c1 -W3 10.77.0.1
expect_rc 0 "the container pings the bridge's address"
[ "$(stat -c '%u %a' "$ROOTDIR/run/usernic")" = "0 700" ] && pass "the database folder is root's, mode 0700" \
  || fail "database folder: $(stat -c '%u %a' "$ROOTDIR/run/usernic")"

# A pidfd instead of an nsfd, given by number.
run asuser /usr/bin/python3 -c '
import os, sys
fd = os.pidfd_open(int(sys.argv[1]))
os.dup2(fd, 7)
os.execv(sys.argv[2], [sys.argv[2], "create", "--netns-fd", "7", "--peer", "eth1", "--mtu", "1400", "br0"])' "$CPID" "$HELPER"
expect_rc 0 "create through a pidfd on fd 7"
H2=${OUT%% *}
expect_in "$(inc ip -o link show eth1)" "mtu 1400" "the peer eth1 arrived with its MTU"

# ---- quota ----------------------------------------------------------------------
run nic create --peer eth2 br0
expect_rc 1 "a third veth on br0 is over the quota of 2"
expect_in "$ERR" "may have 2 veth(s) on br0" "and the error says the quota"
[ "$(hostifs | wc -l)" -eq 2 ] && pass "no interface was made over quota" || fail "interfaces: $(hostifs)"
run nic delete "$H1"
expect_rc 0 "delete of the user's own interface"
[ -z "$(ip -n "$NS" -o link show "$H1" 2>/dev/null)" ] && pass "and $H1 is gone" || fail "$H1 still there"
run nic create --peer eth2 br0
expect_rc 0 "after a delete the quota has room again"
H3=${OUT%% *}

# ---- bridges and groups ---------------------------------------------------------
run nic create --peer eth3 br1
expect_rc 1 "a bridge that usernet does not allow the user is refused"
expect_in "$ERR" "allows $U no veth on the bridge br1" "and the error names the bridge and the file"
[ -z "$(ip -n "$NS" -o link show master br1)" ] && pass "nothing was put on br1" || fail "br1 has ports"
run nic create --peer eth3 br2
expect_rc 0 "an @group line allows br2"
run nic create --peer eth4 br2
expect_rc 1 "and its own quota of 1 holds"

# ---- delete only what was made for this user ------------------------------------
run nic delete br1
expect_rc 1 "delete of a root-made bridge is refused"
E1=${ERR//br1/X}
run nic delete nosuch0
E2=${ERR//nosuch0/X}
[ "$E1" = "$E2" ] && pass "the refusal reads the same whether the interface exists or not" || fail "'$E1' vs '$E2'"
ip -n "$NS" link show br1 >/dev/null 2>&1 && pass "br1 is still there" || fail "br1 deleted"
run nic delete lo
expect_rc 1 "delete of lo is refused"

# ---- CVE-2017-5985: a network namespace the caller does not own -----------------
# (with room in the quota, so that only the ownership check can refuse)
run nic delete "$H3"
expect_rc 0 "(room on br0)"
before=$(ip -n "$NS" -o link | wc -l)
run asuser sh -c 'exec 3</proc/self/ns/net && exec "$0" create --peer evil0 br0' "$HELPER"
expect_rc 1 "the caller's own (root-owned) namespace is refused"
expect_in "$ERR" "does not belong to a user namespace owned by uid $UID_" "with the reason"
run asuser sh -c 'exec 3</run/netns/'"${NS}x"' && exec "$0" create --peer evil0 br0' "$HELPER"
expect_rc 1 "a namespace root made (ip netns add) is refused"
[ -z "$(ip -n "${NS}x" -o link show evil0 2>/dev/null)" ] && pass "and nothing was planted in it" || fail "evil0 planted"
unshare --user --net sleep 600 >/dev/null 2>&1 &
OTHER=$!
sleep 0.3
# The user cannot open it; an fd leaked to the user (root opens it here) is the attack.
run asuser "$HELPER" create --peer evil0 br0 3</proc/$OTHER/ns/net
expect_rc 1 "another user's (root's) container namespace, on a leaked fd, is refused"
run asuser sh -c 'exec 3</etc/passwd && exec "$0" create br0' "$HELPER"
expect_rc 1 "a regular file on fd 3 is refused"
expect_in "$ERR" "fd 3 is neither a network namespace nor a pidfd" "and named for what it is"
run asuser sh -c 'exec "$0" create br0 3<&-' "$HELPER"
expect_rc 1 "no fd 3 at all is refused"
[ "$(ip -n "$NS" -o link | wc -l)" -eq "$before" ] && pass "none of those made an interface" || fail "links changed"
run nic create --peer eth2 br0
H3=${OUT%% *}

# ---- CVE-2018-6556: no path the caller chose is opened as root ------------------
M="/tmp/itn$$-chosen"
: > "$WORK/strace.log"
for args in "create $M" "create --peer $M br0" "delete $M" "delete ../../../$M" "create --netns-fd 3 br0" \
            "create /root/.ssh/id_rsa" "delete /etc/shadow"; do
  (cd / && nsenter --net="/run/netns/$NS" strace -f -qq -u "$U" -e trace=open,openat,openat2,creat,execve,close_range \
    -o "$WORK/one.log" "$HELPER" $args 3</proc/$CPID/ns/net >/dev/null 2>&1)
  cat "$WORK/one.log" >> "$WORK/strace.log"
  case "$args" in "create --netns-fd 3 br0") cp "$WORK/one.log" "$WORK/create.log" ;; esac
done
grep -q 'execve(' "$WORK/strace.log" && pass "strace saw the helper run" || fail "strace log empty"
n=$(grep -v 'execve(' "$WORK/strace.log" | grep -c -e "$M" -e '/root/' -e shadow)
[ "$n" -eq 0 ] && pass "no caller-chosen path reached an open" || fail "opened: $(grep -e "$M" -e /root/ -e shadow "$WORK/strace.log" | grep -v execve)"
# Libraries and NSS modules (systemd's walks /run/systemd/userdb/ component
# by component), libnl's own /etc/libnl, the user database, /proc/self, the
# compiled-in usernet and database.
allowed="^((/usr)?/lib(64)?/.*|/etc/ld\.so\.cache|/etc/libnl/.*|/etc/nsswitch\.conf|/etc/passwd|/etc/group|/dev/null|/proc/self/ns/net|/proc/self/fdinfo/[0-9]+|/proc/[0-9]+/ns/net|$ROOTDIR/usernet|$ROOTDIR/run(/usernic)?|lock|nics(\.new)?|/|/run/systemd/userdb/|etc|host|lib|local|run|userdb|usr)\$"
odd=$(grep -oE 'open(at)?\((AT_FDCWD, |[0-9]+, )?"[^"]*"' "$WORK/strace.log" | sed -E 's/.*"([^"]*)"/\1/' | grep -vE "$allowed" | sort -u)
[ -z "$odd" ] && pass "every path opened is fixed: libraries, user database, /proc/self, usernet, the database" \
  || fail "unexpected opens: $odd"

# ---- CVE-2022-47952: errors do not reveal which root-only files exist -----------
mkdir -m 700 "$WORK/private"; : > "$WORK/private/exists"
run nic create "$WORK/private/exists"
A="$RC $ERR"
run nic create "$WORK/private/absent"
B="$RC $ERR"
[ "$A" = "$B" ] && pass "a root-only file and a missing one give the same answer: $A" || fail "'$A' vs '$B'"
run nic delete "$WORK/private/exists"
A="$RC $ERR"
run nic delete "$WORK/private/absent"
B="$RC $ERR"
[ "$A" = "$B" ] && pass "likewise for delete" || fail "'$A' vs '$B'"

# ---- hostile environment and inherited fds ---------------------------------------
cat > "$WORK/evil.c" <<EOF
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void evil (void) { if (geteuid () == 0) close (open ("$WORK/pwned", O_CREAT | O_WRONLY, 0666)); }
EOF
cc -shared -fPIC -o "$WORK/evil.so" "$WORK/evil.c"
chmod 755 "$WORK/evil.so"
LD_PRELOAD="$WORK/evil.so" /bin/true
[ -e "$WORK/pwned" ] && pass "(the preload library works on an ordinary program)" || fail "evil.so inert: the next check would prove nothing"
rm -f "$WORK/pwned"
run nic delete "$H3"
expect_rc 0 "(room on br0 for the next create)"
run asuser env LD_PRELOAD="$WORK/evil.so" LD_LIBRARY_PATH="$WORK" MALLOC_CHECK_=3 MALLOC_PERTURB_=165 \
  GLIBC_TUNABLES=glibc.malloc.check=3:glibc.malloc.mmap_threshold=1 LC_ALL=xx_XX.UTF-8 LANGUAGE=xx LOCPATH="$WORK" \
  NLSPATH="$WORK/%N" TZ="$WORK/tz" PATH="$WORK" \
  /bin/sh -c 'exec 3</proc/'"$CPID"'/ns/net && exec "$0" create --peer eth5 br0' "$HELPER"
expect_rc 0 "create works under a hostile environment"
[ ! -e "$WORK/pwned" ] && pass "LD_PRELOAD did not run in the helper" || fail "evil.so ran: $(ls -ln "$WORK/pwned")"
H5=${OUT%% *}
first=$(grep -vE 'execve|"/etc/ld.so.cache"|"/lib/|"/usr/lib/|"/etc/libnl/' "$WORK/create.log" | head -1)
expect_in "$first" "close_range(" "strace: the first thing the helper does is close_range"
grep -E 'close_range|usernet' "$WORK/create.log" | head -1 | grep -q close_range \
  && pass "strace: every inherited fd is closed (close_range) before usernet is opened" || fail "close_range not first"
cp "$DB" "$WORK/db.before"
: > "$WORK/userfile"; chmod 666 "$WORK/userfile"
run asuser sh -c 'exec 3</proc/'"$CPID"'/ns/net 5>>'"$WORK/userfile"' && ulimit -f 0 && exec "$0" create --peer eth6 br0 1>&- 2>&-' "$HELPER"
expect_rc 1 "over quota with stdout and stderr closed, fd 5 inherited and a file size limit of 0"
cmp -s "$DB" "$WORK/db.before" && pass "the database is intact" || fail "database changed: $(cat "$DB")"
[ ! -s "$WORK/userfile" ] && pass "nothing was written to the inherited fd" || fail "userfile: $(cat "$WORK/userfile")"

# ---- a corrupt and duplicated database ------------------------------------------
cp "$DB" "$WORK/db.good"
{ cat "$WORK/db.good"; cat "$WORK/db.good"; echo 'garbage line'; printf '\001\002\n'
  echo "$UID_ 1 99999999999999999999 x y"
  echo "$UID_ $(stat -L -c %i /run/netns/"$NS") 1 lo br0"; } > "$DB"
run nic create --peer eth6 br0
expect_rc 1 "duplicated lines do not give the user more than the quota"
expect_in "$ERR" "unreadable and" "the helper says it dropped corrupt lines"
run nic delete lo
expect_rc 1 "a forged line for lo does not let the user delete it"
ip -n "$NS" link show lo >/dev/null 2>&1 && pass "lo is still there" || fail "lo deleted"
grep -q garbage "$DB" && fail "garbage kept in the database" || pass "the database was rewritten clean"
[ "$(grep -c " $H2 " "$DB")" -eq 1 ] && pass "each interface once" || fail "db: $(cat "$DB")"
mv "$DB" "$WORK/db.saved"
echo secret > "$WORK/target"; chmod 600 "$WORK/target"
ln -s "$WORK/target" "$DB"
run nic create --peer eth6 br0
expect_rc 1 "a database that is a symlink is refused"
[ "$(cat "$WORK/target")" = secret ] && pass "and its target untouched" || fail "target changed"
rm -f "$DB"; mv "$WORK/db.saved" "$DB"
chmod 755 "$ROOTDIR/run/usernic"
run nic create --peer eth6 br0
expect_rc 1 "a database folder others may read is refused"
expect_in "$ERR" "must be a folder owned by root with mode 0700" "and says so"
chmod 700 "$ROOTDIR/run/usernic"
chmod 666 "$ROOTDIR/usernet"
run nic create --peer eth6 br2
expect_rc 1 "a usernet others may write is refused"
chmod 644 "$ROOTDIR/usernet"

# ---- the container goes away ----------------------------------------------------
kill "$CPID"; wait "$CPID" 2>/dev/null; CPID=""
sleep 0.5
[ -z "$(hostifs)" ] && pass "when the container's namespace dies its veths are gone" || fail "left: $(hostifs)"
setpriv --reuid="$U" --regid="$U" --init-groups -- unshare --user --map-root-user --net sleep 600 >/dev/null 2>&1 &
CPID=$!
sleep 0.3
run nic create br0
expect_rc 0 "dead interfaces no longer count against the quota"
run nic create --peer eth1 br0
expect_rc 0 "(both of them)"
kill "$CPID"; wait "$CPID" 2>/dev/null; CPID=""
sleep 0.5
[ -z "$(hostifs)" ] && pass "nothing is left on the bridge" || fail "left: $(hostifs)"
finish
