#!/bin/bash
# mgr-oci attacked as an engine's user would: the bundle's config.json is
# the engine's (trusted), its rootfs is an image from a registry (hostile),
# and so are the container's processes. Each attack here once worked or
# must keep failing; the suite asserts that it fails.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the OCI attack tests start containers as root"; exit 77; }

OCI="${MGR_BUILDDIR:-$(pwd)}/src/mgr-oci"
PROBE="${MGR_BUILDDIR:-$(pwd)}/tests/security/mgr-probe"
R="$WORK/root"
pfx="ocr$$"
T=30
o() { timeout "$T" "$OCI" --root "$R" "$@"; }
cleanup() {
  for d in "$R"/*/; do
    [ -d "$d" ] || continue
    timeout 10 "$OCI" --root "$R" delete --force "$(basename "$d")" >/dev/null 2>&1
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

BASE="$WORK/base"
"${MGR_SRCDIR:-.}/templates/mgr-busybox" --name "$pfx" --path "$WORK" --rootfs "$BASE" >/dev/null 2>&1 \
  || { echo "SKIP: no busybox rootfs (apt-get install busybox-static)"; exit 77; }

# bundle NAME PYTHON: $WORK/NAME with its own copy of the rootfs (the image,
# which the attack then edits) and mgr-oci spec's config.json edited by
# PYTHON (c is the config).
bundle() {
  local b="$WORK/$1"
  mkdir -p "$b"
  [ -d "$b/rootfs" ] || cp -a "$BASE" "$b/rootfs"
  rm -f "$b/config.json"
  "$OCI" spec --bundle "$b" || return 1
  python3 - "$b/config.json" <<PY
import json, sys
c = json.load(open(sys.argv[1]))
c['root'] = {'path': 'rootfs', 'readonly': False}
c['process']['terminal'] = False
c['process']['args'] = ['true']
$2
json.dump(c, open(sys.argv[1], 'w'), indent=1)
PY
  echo "$b"
}
status() { o state "$1" 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)['status'])" 2>/dev/null; }
# runc_ ID BUNDLE: create, start, wait; the output in $OUT, the status of create in RC.
runc_() {
  local id=$1 b=$2
  o create --bundle "$b" "$id" >"$WORK/$id.out" 2>&1
  RC=$?
  if [ "$RC" -eq 0 ]; then
    o start "$id" >>"$WORK/$id.out" 2>&1
    for _ in $(seq 100); do [ "$(status "$id")" = stopped ] && break; sleep 0.1; done
    o delete --force "$id" >/dev/null 2>&1
  fi
  OUT=$(cat "$WORK/$id.out")
}

# ---- the security probes, with the config.json of mgr-oci spec ----
# mgr-oci spec once wrote no linux.seccomp: the probe found keyctl,
# add_key, AF_VSOCK and every personality allowed. Its profile is now
# mgr's default one, so every probe is blocked, as under mgr-start.
b=$(bundle probe "c['process']['args'] = ['/probe', 'all']")
install -m 755 "$PROBE" "$b/rootfs/probe"
python3 -c "import json,sys; s=json.load(open('$b/config.json'))['linux']['seccomp']; assert s['defaultAction']=='SCMP_ACT_ERRNO'" \
  && pass "spec: config.json has a seccomp profile (an allow list)" || fail "spec: no linux.seccomp in $(cat "$b/config.json" | head -c 300)"
runc_ "$pfx-probe" "$b"
n=$(echo "$OUT" | grep -c '^PROBE ')
[ "$n" -ge 40 ] && pass "probe: $n probes ran" || fail "probe: only $n ran: $OUT"
while read -r _ name verdict detail; do
  case "$verdict" in
    blocked) pass "probe: $name blocked ($detail)" ;;
    info) pass "probe: $name: $detail" ;;
    *) fail "probe: $name $verdict: $detail" ;;
  esac
done < <(echo "$OUT" | grep '^PROBE ')
expect_in "$OUT" "PROBE keyctl blocked" "probe: keyctl is refused"
# The same in a user namespace (the image owned by the mapped root).
b=$(bundle probe-userns "c['process']['args'] = ['/probe', 'all']
c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 200000, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 200000, 'size': 65536}]")
install -m 755 "$PROBE" "$b/rootfs/probe"
chown -R 200000:200000 "$b/rootfs"
runc_ "$pfx-probe-userns" "$b"
n=$(echo "$OUT" | grep -c '^PROBE ')
[ "$n" -ge 40 ] && pass "probe (user namespace): $n probes ran" || fail "probe (user namespace): only $n ran: $OUT"
bad=$(echo "$OUT" | grep '^PROBE ' | grep -v ' blocked \| info ')
[ -z "$bad" ] && pass "probe (user namespace): every probe blocked" || fail "probe (user namespace): $bad"
expect_in "$OUT" "PROBE personality-query info works" "probe: personality's query still works (systemd's LockPersonality)"
b=$(bundle sec-errno "c['process']['args'] = ['sh', '-c', 'echo ok; ls /proc/self/fd >/dev/null && echo ls-ok']")
runc_ "$pfx-sec-errno" "$b"
expect_in "$OUT" "ls-ok" "the profile lets an ordinary shell run"

# ---- mount targets inside the rootfs that lead out of it ----
# The image makes a path the bundle mounts onto a symlink to a host file
# (absolute or ../..), or /dev a symlink to a host folder: the mount must
# not land on the host, and create fails naming the path.
echo secret >"$WORK/hostfile"
echo "nameserver 192.0.2.1" >"$WORK/resolv"
mkdir "$WORK/hostdir"
for how in abs rel; do
  b=$(bundle "link-$how" "c['mounts'].append({'destination': '/etc/resolv.conf', 'type': 'bind', 'source': '$WORK/resolv', 'options': ['rbind', 'ro']})")
  rm -f "$b/rootfs/etc/resolv.conf"
  [ $how = abs ] && ln -s "$WORK/hostfile" "$b/rootfs/etc/resolv.conf" || ln -s "../../../../../../../..$WORK/hostfile" "$b/rootfs/etc/resolv.conf"
  runc_ "$pfx-link-$how" "$b"
  [ "$RC" -ne 0 ] && pass "a bind onto a symlink ($how) to a host file: create fails" || fail "create succeeded: $OUT"
  expect_in "$OUT" "/etc/resolv.conf" "  and the error names the target"
  grep -q "$WORK/hostfile" /proc/self/mountinfo && fail "  the host file is mounted over" || pass "  the host file is not mounted over"
done
b=$(bundle link-dev "")
rm -rf "$b/rootfs/dev" && ln -s "$WORK/hostdir" "$b/rootfs/dev"
runc_ "$pfx-link-dev" "$b"
[ "$RC" -ne 0 ] && pass "/dev a symlink to a host folder: create fails" || fail "create succeeded: $OUT"
[ -z "$(ls -A "$WORK/hostdir")" ] && ! grep -q "$WORK/hostdir" /proc/self/mountinfo \
  && pass "  nothing was mounted or made in the host folder" || fail "  host folder: $(ls -A "$WORK/hostdir")"

# ---- device nodes the image carries ----
# The host's root disk, /dev/mem and /dev/kmsg as nodes in the image: the
# device rules of spec's config (deny all) keep them closed.
b=$(bundle nodes "c['process']['args'] = ['sh', '-c', 'for n in disk mem kmsg; do head -c 1 /\$n >/dev/null 2>&1 && echo OPENED-\$n; done; echo done']")
d=$(findmnt -n -o SOURCE / 2>/dev/null)
if [ -b "$d" ]; then
  mknod "$b/rootfs/disk" b "$((16#$(stat -L -c '%t' "$d")))" "$((16#$(stat -L -c '%T' "$d")))"
else
  mknod "$b/rootfs/disk" b 8 0
fi
mknod "$b/rootfs/mem" c 1 1
mknod "$b/rootfs/kmsg" c 1 11
runc_ "$pfx-nodes" "$b"
expect_in "$OUT" "done" "the image's device nodes: the container ran"
expect_not_in "$OUT" "OPENED" "  and none of the disk, mem and kmsg nodes opens"

# ---- sysctls that are not the container's ----
# linux.sysctl is written through the container's /proc: one its
# namespaces do not isolate changed the host's (a pod's author chooses a
# pod's sysctls). The values given are the host's own, so that the run
# before the fix changed nothing; create must now refuse them.
ratio=$(cat /proc/sys/vm/overcommit_ratio)
b=$(bundle sysctl-host "c['linux']['sysctl'] = {'vm.overcommit_ratio': '$ratio'}")
runc_ "$pfx-sysctl-host" "$b"
[ "$RC" -ne 0 ] && pass "sysctl vm.overcommit_ratio (not namespaced): create fails" || fail "create succeeded: $OUT"
expect_in "$OUT" "linux.sysctl.vm.overcommit_ratio" "  and the error names the key"
fwd=$(cat /proc/sys/net/ipv4/ip_forward)
b=$(bundle sysctl-hostnet "c['linux']['sysctl'] = {'net.ipv4.ip_forward': '$fwd'}
c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network']")
runc_ "$pfx-sysctl-hostnet" "$b"
[ "$RC" -ne 0 ] && pass "sysctl net.* with the host's network namespace: create fails" || fail "create succeeded: $OUT"
b=$(bundle sysctl-joinhost "c['linux']['sysctl'] = {'net.ipv4.ip_forward': '$fwd'}
c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network'] + [{'type': 'network', 'path': '/proc/$$/ns/net'}]")
runc_ "$pfx-sysctl-joinhost" "$b"
[ "$RC" -ne 0 ] && pass "sysctl net.* in a joined namespace that is the host's: create fails" || fail "create succeeded: $OUT"
expect_in "$OUT" "is the host's" "  and says why"
b=$(bundle sysctl-own "c['linux']['sysctl'] = {'net.ipv4.ip_forward': '1', 'kernel.shmmni': '1234'}
c['process']['args'] = ['sh', '-c', 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni']")
runc_ "$pfx-sysctl-own" "$b"
expect_in "$OUT" "$(printf '1\n1234')" "net.* and kernel.shm* in the container's own namespaces are set"
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$fwd" ] && pass "  and the host's stay as they were" || fail "  the host's ip_forward changed"

# ---- a state folder (--root) another user can write to ----
# state.json names the pid (and its start time) that kill and delete
# signal and the cgroup that delete empties and removes, as root. In a
# --root of another user's, that user planted a state whose pid was a
# host process: mgr-oci kill killed it. Such a --root is now refused.
SR="$WORK/shared/root"
mkdir -p "$SR/$pfx-planted"
chown -R nobody "$WORK/shared"
chmod 755 "$WORK/shared"
sleep 300 &
victim=$!
start=$(awk '{print $22}' "/proc/$victim/stat")
echo "{\"pid\": $victim, \"start\": $start, \"bundle\": \"/\", \"created\": \"\", \"cgroup\": \"\", \"annotations\": {}}" \
  >"$SR/$pfx-planted/state.json"
run timeout "$T" "$OCI" --root "$SR" kill "$pfx-planted" KILL
sleep 0.2
kill -0 "$victim" 2>/dev/null && pass "kill through a --root of another user's: the planted pid lives" \
  || fail "kill through a --root of another user's killed host process $victim ($OUT $ERR)"
expect_rc 2 "  and mgr-oci refuses the --root"
expect_in "$ERR" "belongs to uid" "  and says whose it is"
run timeout "$T" "$OCI" --root "$SR" list
expect_rc 2 "list refuses it too"
chown -R root "$WORK/shared"
chmod 777 "$WORK/shared"
run timeout "$T" "$OCI" --root "$SR" state "$pfx-planted"
expect_rc 2 "a --root under a folder anyone can write to (not sticky) is refused"
chmod 1777 "$WORK/shared"
run timeout "$T" "$OCI" --root "$SR" state "$pfx-planted"
expect_rc 0 "under a sticky folder (as /tmp) it is taken"
chmod 755 "$WORK/shared"
kill "$victim" 2>/dev/null
wait "$victim" 2>/dev/null

# ---- --preserve-fds where the caller has no such fds ----
# exec --preserve-fds N handed fds 3..3+N-1 as they were in mgr-oci: with
# the caller's closed, mgr-oci's own went into the container (a pidfd and
# the socket of its helper, to whose protocol the container then spoke).
# Only fds the caller really passes are taken now.
b=$(bundle fds "c['process']['args'] = ['sleep', '60']")
o create --bundle "$b" "$pfx-fds" >"$WORK/fds.out" 2>&1 && o start "$pfx-fds"
OUT=$(o exec --preserve-fds 4 "$pfx-fds" sh -c 'for f in 3 4 5 6; do readlink /proc/self/fd/$f; done' 2>"$WORK/fds.err" 3>&- 4>&- 5>&- 6>&-)
RC=$? ERR=$(cat "$WORK/fds.err")
expect_not_in "$OUT" "pidfd" "exec --preserve-fds 4 with the caller's fds closed: no pidfd of mgr-oci's inside"
expect_not_in "$OUT" "socket" "  nor a socket of mgr-oci's"
expect_rc 2 "  and exec refuses the count"
expect_in "$ERR" "fd 3 is not open in mgr-oci's caller" "  and says which fd is missing"
echo handed >"$WORK/handed"
OUT=$(o exec --preserve-fds 1 "$pfx-fds" sh -c 'cat <&3' 3<"$WORK/handed" 2>&1)
expect_in "$OUT" "handed" "an fd the caller passes (3) is read inside"
o delete --force "$pfx-fds" >/dev/null 2>&1
OUT=$(o create --preserve-fds 2 --bundle "$b" "$pfx-fds2" 2>&1 3>&- 4>&-)
RC=$?
expect_rc 2 "create --preserve-fds 2 with the caller's fds closed is refused"
o delete --force "$pfx-fds2" >/dev/null 2>&1

# ---- pid reuse ----
# A container whose init ended, its pid now a host process's: the state
# keeps the init's start time, and kill and delete --force must leave the
# host process alone. (Its state.json is edited here to name the host
# process, as pid reuse would.)
b=$(bundle reuse "c['process']['args'] = ['true']")
o create --bundle "$b" "$pfx-reuse" >"$WORK/reuse.out" 2>&1 && o start "$pfx-reuse"
for _ in $(seq 100); do [ "$(status "$pfx-reuse")" = stopped ] && break; sleep 0.1; done
sleep 300 &
victim=$!
python3 - "$R/$pfx-reuse/state.json" "$victim" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); s['pid'] = int(sys.argv[2]); json.dump(s, open(sys.argv[1], 'w'))
PY
[ "$(status "$pfx-reuse")" = stopped ] && pass "pid reused by a host process: state says stopped" || fail "state: $(status "$pfx-reuse")"
o kill "$pfx-reuse" KILL >/dev/null 2>&1
o delete --force "$pfx-reuse" >/dev/null 2>&1
sleep 0.2
kill -0 "$victim" 2>/dev/null && pass "  kill and delete --force leave the host process alone" || fail "  the host process $victim was killed"
[ ! -d "$R/$pfx-reuse" ] && pass "  and delete removed the container" || fail "  $R/$pfx-reuse is left"
kill "$victim" 2>/dev/null
wait "$victim" 2>/dev/null

# ---- tmpcopyup (podman's option) over a hostile tree ----
# The folder copied up is the image's: a symlink to a host folder in its
# place must fail create, a symlink inside it is copied as a symlink (never
# the host file it names), and a FIFO is made, not read.
tcu="c['mounts'].append({'destination': '/etc', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['tmpcopyup', 'nosuid', 'nodev']})"
b=$(bundle tcu-link "$tcu")
rm -rf "$b/rootfs/etc" && ln -s "$WORK/hostdir" "$b/rootfs/etc"
runc_ "$pfx-tcu-link" "$b"
[ "$RC" -ne 0 ] && pass "tmpcopyup onto a symlink to a host folder: create fails" || fail "create succeeded: $OUT"
[ -z "$(ls -A "$WORK/hostdir")" ] && ! grep -q "$WORK/hostdir" /proc/self/mountinfo \
  && pass "  nothing was mounted or copied into the host folder" || fail "  host folder: $(ls -A "$WORK/hostdir")"
b=$(bundle tcu-in "$tcu
c['process']['args'] = ['sh', '-c', 'readlink /etc/leak; cat /etc/leak; ls -l /etc/fifo; echo end']")
ln -s "$WORK/hostfile" "$b/rootfs/etc/leak"
mkfifo "$b/rootfs/etc/fifo"
runc_ "$pfx-tcu-in" "$b"
expect_in "$OUT" "$WORK/hostfile" "tmpcopyup: a symlink in the image is copied as a symlink"
expect_not_in "$OUT" "secret" "  and the host file it names is not copied in"
expect_in "$OUT" "prw" "  a FIFO is made again, not read (create did not hang)"

# ---- bind targets the image made a FIFO or a device node ----
# /etc/hostname a FIFO (an open to mount onto would wait forever) and
# /etc/resolv.conf the node of /dev/mem: create neither hangs nor leaves
# the node reachable, the engine's files are mounted over them.
echo "$pfx-host" >"$WORK/hn"
b=$(bundle odd-targets "c['mounts'] += [{'destination': '/etc/hostname', 'type': 'bind', 'source': '$WORK/hn', 'options': ['rbind', 'ro']},
 {'destination': '/etc/resolv.conf', 'type': 'bind', 'source': '$WORK/resolv', 'options': ['rbind', 'ro']}]
c['process']['args'] = ['sh', '-c', 'cat /etc/hostname /etc/resolv.conf']")
rm -f "$b/rootfs/etc/hostname" "$b/rootfs/etc/resolv.conf"
mkfifo "$b/rootfs/etc/hostname"
mknod "$b/rootfs/etc/resolv.conf" c 1 1
runc_ "$pfx-odd-targets" "$b"
expect_in "$OUT" "$pfx-host" "bind onto an image's FIFO: create returns, the engine's file is there"
expect_in "$OUT" "nameserver 192.0.2.1" "bind onto an image's /dev/mem node: the engine's file is there"

# ---- the waiting init, seen from an exec'd process ----
# Between create and start the init is mgr-oci itself: a process exec'd
# into the created container must not reach the host binary through
# /proc/1/exe (runc's CVE-2019-5736).
b=$(bundle created "c['process']['args'] = ['true']")
o create --bundle "$b" "$pfx-created" >"$WORK/created.out" 2>&1
OUT=$(o exec "$pfx-created" sh -c 'grep ^Name: /proc/1/status; cat /proc/1/exe >/dev/null 2>&1 && echo READ-EXE; echo x >>/proc/1/exe 2>/dev/null && echo WROTE-EXE; echo end' 2>&1)
expect_in "$OUT" "mgr-oci" "exec into a created container: pid 1 is mgr-oci, waiting for start"
expect_not_in "$OUT" "EXE" "  and /proc/1/exe can be neither read nor written"
o delete --force "$pfx-created" >/dev/null 2>&1

# ---- ids ----
run o create --bundle "$b" "$(printf 'a%.0s' $(seq 300))"
expect_rc 1 "an id longer than a file name: create fails"
[ -z "$(ls -A "$R" 2>/dev/null | grep '^aaaa')" ] && pass "  and leaves nothing in --root" || fail "  left: $(ls "$R")"
run o create --bundle "$b" "$(printf 'x\ny')"
expect_rc 2 "an id with a newline is refused"

# ---- fds of mgr-oci's in the container ----
b=$(bundle fdprobe "c['process']['args'] = ['/probe', 'fds']")
install -m 755 "$PROBE" "$b/rootfs/probe"
runc_ "$pfx-fdprobe" "$b"
expect_in "$OUT" "PROBE inherited-fds blocked none" "the init starts with only fds 0-2"
b=$(bundle fdprobe "c['process']['args'] = ['sleep', '60']")
o create --bundle "$b" "$pfx-fdexec" >"$WORK/fdexec.out" 2>&1 && o start "$pfx-fdexec"
OUT=$(o exec "$pfx-fdexec" /probe fds 2>&1)
expect_in "$OUT" "PROBE inherited-fds blocked none" "a process exec'd in starts with only fds 0-2"
o delete --force "$pfx-fdexec" >/dev/null 2>&1

# ---- exec into a container whose init made a user namespace of its own ----
# unshare(CLONE_NEWUSER) needs no capability: init made one, and exec
# joined init's namespaces as they were, so the helper and then the
# command entered a user namespace the container made (the helper stayed
# out of reach of ptrace, being not dumpable); here it failed only because
# uid 0 had no mapping there ("switching to uid:gid"), which the container
# could add. exec now joins only the container's own user namespace, and a
# mount namespace of init's own making not at all.
userns="c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 200000, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 200000, 'size': 65536}]"
b=$(bundle nested "$userns
c['process']['args'] = ['unshare', '-U', 'sleep', '60']")
chown -R 200000:200000 "$b/rootfs"
o create --bundle "$b" "$pfx-nested" >"$WORK/nested.out" 2>&1 && o start "$pfx-nested"
sleep 0.5
run o exec "$pfx-nested" true
expect_rc 1 "user namespace: exec into a container whose init made its own user namespace fails"
expect_not_in "$ERR" "switching to uid" "  before it joins that user namespace"
expect_in "$ERR" "has left the user namespace" "  and says why"
o delete --force "$pfx-nested" >/dev/null 2>&1
b=$(bundle nested-mnt "c['process']['args'] = ['unshare', '-U', '-m', 'sleep', '60']")
o create --bundle "$b" "$pfx-nested-mnt" >"$WORK/nested-mnt.out" 2>&1 && o start "$pfx-nested-mnt"
sleep 0.5
run o exec "$pfx-nested-mnt" true
expect_rc 1 "without a user namespace: exec into init's mount namespace of its own user namespace fails"
expect_in "$ERR" "mount namespace of a user namespace it made" "  and says why"
o delete --force "$pfx-nested-mnt" >/dev/null 2>&1
b=$(bundle nested-user "c['process']['args'] = ['unshare', '-U', 'sleep', '60']")
o create --bundle "$b" "$pfx-nested-user" >"$WORK/nested-user.out" 2>&1 && o start "$pfx-nested-user"
sleep 0.5
run o exec "$pfx-nested-user" true
expect_rc 0 "without a user namespace: exec into a container whose init only made a user namespace still works"
o delete --force "$pfx-nested-user" >/dev/null 2>&1

# ---- maskedPaths and readonlyPaths the image made symlinks ----
# A symlink (absolute or ../..) to a host folder in their place: the mask
# (a tmpfs) or the read-only remount would land on the host folder.
mkdir -p "$WORK/hostdir2"
for what in "readonlyPaths /etc/ro-abs" "maskedPaths /etc/mask-abs" "maskedPaths /etc/mask-rel"; do
  key=${what% *} path=${what#* }
  b=$(bundle "lnk${path##*/}" "c['linux']['$key'].append('$path')")
  case $path in
    *rel) ln -s "../../../../../../..$WORK/hostdir2" "$b/rootfs$path" ;;
    *) ln -s "$WORK/hostdir2" "$b/rootfs$path" ;;
  esac
  runc_ "$pfx-lnk${path##*/}" "$b"
  [ "$RC" -ne 0 ] && pass "$key $path a symlink to a host folder: create fails" || fail "create succeeded: $OUT"
  expect_in "$OUT" "$path" "  and the error names it"
done
grep -q "$WORK/hostdir2" /proc/self/mountinfo && fail "  a host folder was masked or remounted" \
  || pass "  no host folder was masked or remounted"

# ---- the cgroup view ----
# Even when the engine asks for it read-write, the container sees its own
# cgroup only (no host process in it), and the v1 hierarchies stay
# read-only: no limit of its own to raise, no cgroup above to move into.
b=$(bundle cgview "
for m in c['mounts']:
    if m['destination'] == '/sys/fs/cgroup': m['options'] = ['nosuid', 'noexec', 'nodev', 'rw']
c['process']['args'] = ['sh', '-c', 'for d in /sys/fs/cgroup /sys/fs/cgroup/*/; do [ -f \$d/cgroup.procs ] && echo procs-\$(wc -l < \$d/cgroup.procs); done; for d in memory pids cpu; do [ -d /sys/fs/cgroup/\$d ] || continue; echo \$\$ > /sys/fs/cgroup/\$d/cgroup.procs 2>/dev/null && echo WROTE-\$d; echo 1 > /sys/fs/cgroup/\$d/../cgroup.procs 2>/dev/null && echo WROTE-above-\$d; done; echo end']")
runc_ "$pfx-cgview" "$b"
expect_in "$OUT" "end" "cgroup view (rw asked): the container ran"
[ -n "$(echo "$OUT" | grep '^procs-')" ] && [ -z "$(echo "$OUT" | grep '^procs-' | grep -v '^procs-[0-9]$')" ] \
  && pass "  every cgroup.procs it sees holds only its own few processes" || fail "  cgroup.procs: $(echo "$OUT" | grep '^procs-' | tr '\n' ' ')"
expect_not_in "$OUT" "WROTE" "  and it writes to no v1 hierarchy, nor above its cgroup"

finish
