#!/bin/bash
# mgr-oci, the OCI runtime front end, as root: bundles from the busybox
# rootfs driven through create/start/state/kill/delete as an engine drives
# them, and what each config.json field does, observed inside.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the OCI tests start containers as root"; exit 77; }

OCI="${MGR_BUILDDIR:-$(pwd)}/src/mgr-oci"
R="$WORK/root"
pfx="oci$$"
T=20
o() { timeout "$T" "$OCI" --root "$R" "$@"; }
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
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

# One rootfs, shared read-only by the bundles (root.path is absolute).
ROOTFS="$WORK/rootfs"
"${MGR_SRCDIR:-.}/templates/mgr-busybox" --name "$pfx" --path "$WORK" --rootfs "$ROOTFS" >/dev/null 2>&1 \
  || { echo "SKIP: no busybox rootfs (apt-get install busybox-static)"; exit 77; }

# bundle NAME PYTHON: a bundle from mgr-oci spec, edited by PYTHON (c is the config).
bundle() {
  local b="$WORK/$1"
  mkdir -p "$b"
  rm -f "$b/config.json"
  "$OCI" spec --bundle "$b" || return 1
  python3 - "$b/config.json" "$ROOTFS" <<EOF
import json, sys
c = json.load(open(sys.argv[1]))
c['root'] = {'path': sys.argv[2], 'readonly': True}
c['process']['terminal'] = False
c['process']['args'] = ['true']
$2
json.dump(c, open(sys.argv[1], 'w'), indent=1)
EOF
  echo "$b"
}
# status ID: the status field of mgr-oci state.
status() { o state "$1" 2>/dev/null | jq_ "d['status']" 2>/dev/null; }
wait_stopped() {
  for _ in $(seq 100); do [ "$(status "$1")" = stopped ] && return 0; sleep 0.1; done
  return 1
}
# runc ID BUNDLE: create, start, wait, and the container's output in $OUT.
runc_() {
  local id=$1 b=$2
  o create --bundle "$b" "$id" >"$WORK/$id.out" 2>"$WORK/$id.err" || { OUT=$(cat "$WORK/$id.err"); return 1; }
  o start "$id" 2>>"$WORK/$id.err" || { OUT=$(cat "$WORK/$id.err"); return 1; }
  wait_stopped "$id"
  OUT=$(cat "$WORK/$id.out")
  o delete "$id"
}

# ---- the command line ----
run "$OCI" --version
expect_rc 0 "--version"
expect_in "$OUT" "spec: 1." "--version names the runtime spec version"
run "$OCI" features
echo "$OUT" | jq_ "d['linux']['cgroup']['systemd']" | grep -qx False && pass "features: valid JSON, systemd cgroup false" \
  || fail "features: $OUT"
run "$OCI" --systemd-cgroup list
expect_rc 2 "--systemd-cgroup is refused"
expect_in "$ERR" "no systemd cgroup backend" "and says why"
run "$OCI" --log-format yaml list
expect_rc 2 "--log-format yaml is refused"
b=$(bundle spec-twice "")
run "$OCI" spec --bundle "$b"
expect_rc 1 "spec refuses to overwrite a config.json"
run o state "$pfx-none"
expect_rc 1 "state of an unknown container fails"
run o create --bundle "$b" "../x"
expect_rc 2 "create refuses an id with /"

# ---- the lifecycle ----
b=$(bundle life "c['process']['args'] = ['sh', '-c', 'echo started > /dev/shm/x; echo \$\$; sleep 30']
c['annotations'] = {'org.example.key': 'value'}")
# The container's stdio is create's: a file here, never the pipe of a $(...).
o create --bundle "$b" --pid-file "$WORK/life.pid" "$pfx-life" >"$WORK/life.out" 2>&1
RC=$? ERR=$(cat "$WORK/life.out")
expect_rc 0 "create"
st=$(o state "$pfx-life")
[ "$(echo "$st" | jq_ "d['status']")" = created ] && pass "state: created" || fail "state after create: $st"
pid=$(echo "$st" | jq_ "d['pid']")
[ "$pid" -gt 1 ] && [ "$(cat "$WORK/life.pid")" = "$pid" ] && pass "state has the pid, and --pid-file holds it ($pid)" \
  || fail "pid '$pid', pid file '$(cat "$WORK/life.pid" 2>&1)'"
[ "$(echo "$st" | jq_ "d['bundle']")" = "$b" ] && pass "state: bundle" || fail "state bundle: $st"
[ "$(echo "$st" | jq_ "d['annotations']['org.example.key']")" = value ] && pass "state: annotations" || fail "annotations: $st"
grep -q "^Name:.*mgr-oci" "/proc/$pid/status" && pass "the process waits for start (it has not executed sh)" \
  || fail "before start the process runs: $(grep Name: /proc/$pid/status)"
cg=$(awk -F: '$2 ~ /memory/ {print $3}' "/proc/$pid/cgroup")
[ "$cg" = "/mgr.oci/$pfx-life" ] && pass "its cgroup is mgr.oci/ID" || fail "cgroup: $cg"
run o start "$pfx-life"
expect_rc 0 "start"
for _ in $(seq 50); do grep -q "^Name:.*sleep" "/proc/$pid/status" 2>/dev/null && break; sleep 0.1; done
[ "$(status "$pfx-life")" = running ] && pass "state: running" || fail "state after start: $(status "$pfx-life")"
run o start "$pfx-life"
expect_rc 1 "a second start fails"
run o delete "$pfx-life"
expect_rc 1 "delete of a running container fails without --force"
o ps "$pfx-life" | grep -qx "$pid" && pass "ps lists the init" || fail "ps: $(o ps "$pfx-life")"
run o pause "$pfx-life"
expect_rc 0 "pause"
[ "$(status "$pfx-life")" = paused ] && grep -q "^State:.*(stopped)\|^State:.*D\|^State:.*S" "/proc/$pid/status" \
  && pass "state: paused" || fail "state after pause: $(status "$pfx-life")"
run o resume "$pfx-life"
expect_rc 0 "resume"
[ "$(status "$pfx-life")" = running ] && pass "state: running again" || fail "after resume: $(status "$pfx-life")"
run o kill "$pfx-life" KILL
expect_rc 0 "kill KILL"
wait_stopped "$pfx-life" && pass "state: stopped after kill" || fail "after kill: $(status "$pfx-life")"
run o kill "$pfx-life" TERM
expect_rc 1 "kill of a stopped container fails"
run o delete "$pfx-life"
expect_rc 0 "delete"
[ ! -e "$R/$pfx-life" ] && [ ! -e "/sys/fs/cgroup/memory/mgr.oci/$pfx-life" ] && [ ! -e "/sys/fs/cgroup/unified/mgr.oci/$pfx-life" ] \
  && pass "delete removes the record and the cgroups" || fail "left: $(ls "$R" /sys/fs/cgroup/memory/mgr.oci 2>&1)"

b=$(bundle force "c['process']['args'] = ['sleep', '30']")
o create --bundle "$b" "$pfx-force" >/dev/null && o start "$pfx-force"
run o kill --all "$pfx-force" KILL
expect_rc 0 "kill --all"
wait_stopped "$pfx-force" && pass "kill --all stops it" || fail "after kill --all: $(status "$pfx-force")"
o delete "$pfx-force"
o create --bundle "$b" "$pfx-force" >/dev/null && o start "$pfx-force"
o pause "$pfx-force"
t0=$(date +%s%N)
run o delete --force "$pfx-force"
expect_rc 0 "delete --force of a paused container"
[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ] && pass "which is thawed to be killed, not waited for" || fail "delete --force of a paused container took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
[ ! -e "$R/$pfx-force" ] && pass "and it is gone" || fail "left: $(ls "$R")"
o create --bundle "$b" "$pfx-created" >/dev/null
run o delete "$pfx-created"
expect_rc 1 "delete of a created container fails without --force (the spec: only a stopped one)"
run o delete --force "$pfx-created"
expect_rc 0 "delete --force of a created container"
o create --bundle "$b" "$pfx-dup" >/dev/null
o create --bundle "$b" "$pfx-dup" >/dev/null 2>"$WORK/dup.err"
RC=$? ERR=$(cat "$WORK/dup.err")
expect_rc 1 "a second create of one id fails"
o delete --force "$pfx-dup"

# ---- config.json, observed inside ----
b=$(bundle proc "c['process']['args'] = ['sh', '-c', 'hostname; cat /proc/sys/kernel/domainname; echo \$FOO; pwd; id -u; id -g; id -G; umask; grep -E \"^Cap(Eff|Bnd|Amb)|^NoNewPrivs\" /proc/self/status; ulimit -n; ulimit -Hn; cat /proc/self/oom_score_adj']
c['hostname'] = 'h$pfx'
c['domainname'] = 'd$pfx'
c['process']['env'] = ['PATH=/bin:/sbin', 'FOO=bar$pfx']
c['process']['cwd'] = '/etc'
c['process']['user'] = {'uid': 1000, 'gid': 1001, 'additionalGids': [5, 7], 'umask': 0o077}
caps = ['CAP_KILL', 'CAP_NET_RAW']
c['process']['capabilities'] = {'bounding': caps, 'effective': caps, 'permitted': caps, 'inheritable': caps, 'ambient': ['CAP_NET_RAW']}
c['process']['rlimits'] = [{'type': 'RLIMIT_NOFILE', 'soft': 123, 'hard': 456}]
c['process']['noNewPrivileges'] = True
c['process']['oomScoreAdj'] = 321")
runc_ "$pfx-proc" "$b"
expect_in "$OUT" "$(printf 'h%s\nd%s' $pfx $pfx)" "hostname and domainname"
expect_in "$OUT" "bar$pfx" "env"
expect_in "$OUT" "/etc" "cwd"
expect_in "$OUT" "$(printf '1000\n1001\n1001 5 7')" "user uid, gid and additionalGids"
expect_in "$OUT" "0077" "umask"
# A non-root uid's exec keeps only the ambient set effective (kill is
# bounding and inheritable only): the kernel's rule, as under runc.
expect_in "$OUT" "$(printf 'CapEff:\t0000000000002000\nCapBnd:\t0000000000002020\nCapAmb:\t0000000000002000')" \
  "capabilities: bounding and ambient (effective through ambient) for a non-root uid"
expect_in "$OUT" "$(printf 'NoNewPrivs:\t1')" "noNewPrivileges"
expect_in "$OUT" "$(printf '123\n456')" "rlimits"
expect_in "$OUT" "321" "oomScoreAdj"

b=$(bundle fs "c['process']['args'] = ['sh', '-c', 'touch /x 2>&1; cat /proc/timer_list 2>&1 | wc -c; ls /proc/acpi | wc -l; (echo 1 > /proc/sys/kernel/domainname) 2>&1; cat /proc/sys/net/ipv4/ip_forward; ls -l /dev/$pfx; cat /mnt/hostfile; grep -c cgroup /proc/mounts; touch /etc/new-$pfx && grep -c ^root: /etc/passwd && ls -ld /etc | cut -c1-10']
c['linux']['sysctl'] = {'net.ipv4.ip_forward': '1'}
c['linux']['devices'] = [{'path': '/dev/$pfx', 'type': 'c', 'major': 1, 'minor': 3, 'fileMode': 0o640, 'uid': 0, 'gid': 0}]
c['mounts'].append({'destination': '/mnt/hostfile', 'type': 'bind', 'source': '$WORK/hostfile', 'options': ['rbind', 'ro']})
c['mounts'].append({'destination': '/etc', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['tmpcopyup', 'nosuid']})")
echo "host file $pfx" > "$WORK/hostfile"
runc_ "$pfx-fs" "$b"
expect_in "$OUT" "Read-only file system" "root.readonly"
expect_in "$OUT" "$(printf '0\n0')" "maskedPaths: /proc/timer_list reads nothing, /proc/acpi is empty"
expect_in "$OUT" "can't create /proc/sys/kernel/domainname: Read-only" "readonlyPaths: /proc/sys"
expect_in "$OUT" "$(printf '1\ncrw-r-----')" "sysctl inside a new network namespace; linux.devices with its mode"
expect_in "$OUT" "host file $pfx" "a bind mount of a host file"
expect_in "$OUT" "$(printf '1\ndrwxr-xr-x')" "tmpcopyup: a writable tmpfs on a read-only root, with the rootfs's files and mode"
[ ! -e "$ROOTFS/etc/new-$pfx" ] && pass "tmpcopyup: nothing written reaches the rootfs" || fail "the rootfs got /etc/new-$pfx"

b=$(bundle limits "c['process']['args'] = ['sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; head -c1 /dev/full | od -An -c; echo x > /dev/null && echo null-ok']
c['linux']['resources'] = {'memory': {'limit': 67108864}, 'pids': {'limit': 42}, 'devices': [{'allow': False, 'access': 'rwm'}]}
c['linux']['cgroupsPath'] = '/$pfx-parent/limits'
# Without a cgroup namespace (podman's default on v1): the container's own
# cgroup folders are what it sees at /sys/fs/cgroup, not the host's roots.
c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'cgroup']")
o create --bundle "$b" "$pfx-limits" >"$WORK/limits.out" 2>&1
pid=$(o state "$pfx-limits" | jq_ "d['pid']")
cgm=$(awk -F: '$2 ~ /memory/ {print $3}' "/proc/$pid/cgroup")
[ "$cgm" = "/$pfx-parent/limits" ] && pass "cgroupsPath decides the cgroup" || fail "cgroup: $cgm"
mem=$(cat "/sys/fs/cgroup/memory/$pfx-parent/limits/memory.limit_in_bytes" 2>/dev/null || cat "/sys/fs/cgroup/$pfx-parent/limits/memory.max")
[ "$mem" = 67108864 ] && pass "resources.memory.limit on the host's cgroup" || fail "memory limit: $mem"
o start "$pfx-limits"; wait_stopped "$pfx-limits"
OUT=$(cat "$WORK/limits.out")
expect_in "$OUT" "$(printf '67108864\n42')" "memory and pids limits seen inside (no cgroup namespace: its own folders bound)"
expect_in "$OUT" "null-ok" "the default devices stay allowed under a deny-all rule"
o delete "$pfx-limits"
[ ! -e "/sys/fs/cgroup/memory/$pfx-parent/limits" ] && pass "delete removes the cgroupsPath cgroup" || fail "cgroup left"
rmdir /sys/fs/cgroup/*/"$pfx-parent" 2>/dev/null

b=$(bundle update "c['process']['args'] = ['sleep', '60']
c['linux']['resources'] = {'memory': {'limit': 67108864}, 'pids': {'limit': 42}}")
o create --bundle "$b" "$pfx-update" >/dev/null 2>&1 && o start "$pfx-update"
echo '{"memory": {"limit": 33554432}, "pids": {"limit": 21}}' > "$WORK/resources.json"
run o update --resources "$WORK/resources.json" "$pfx-update"
expect_rc 0 "update --resources"
mem=$(cat "/sys/fs/cgroup/memory/mgr.oci/$pfx-update/memory.limit_in_bytes" 2>/dev/null || cat "/sys/fs/cgroup/mgr.oci/$pfx-update/memory.max")
pids=$(cat "/sys/fs/cgroup/pids/mgr.oci/$pfx-update/pids.max" 2>/dev/null || cat "/sys/fs/cgroup/mgr.oci/$pfx-update/pids.max")
[ "$mem" = 33554432 ] && [ "$pids" = 21 ] && pass "update: the new memory and pids limits are on the cgroup" || fail "after update: memory $mem pids $pids"
echo '{"memory": {"kernel": 1000}}' > "$WORK/resources.json"
run o update --resources "$WORK/resources.json" "$pfx-update"
expect_rc 1 "update refuses what it cannot apply"
expect_in "$ERR" "linux.resources.memory.kernel" "and names it"
o delete --force "$pfx-update"

b=$(bundle seccomp "c['process']['args'] = ['sh', '-c', 'mkdir /dev/shm/d 2>&1; echo done']
c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
  'syscalls': [{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 13}]}")
runc_ "$pfx-sc" "$b"
expect_in "$OUT" "Permission denied" "seccomp: mkdir gets the profile's errno (EACCES)"

b=$(bundle userns "c['process']['args'] = ['sh', '-c', 'cat /proc/self/uid_map']
c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 0, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 0, 'size': 65536}]")
runc_ "$pfx-user" "$b"
expect_in "$OUT" "65536" "a user namespace with uidMappings"

# A shared network namespace, joined by path (a pod's second container).
ip netns add "$pfx"
b=$(bundle join "c['process']['args'] = ['sh', '-c', 'readlink /proc/self/ns/net']
c['linux']['namespaces'] = [n if n['type'] != 'network' else {'type': 'network', 'path': '/run/netns/$pfx'} for n in c['linux']['namespaces']]")
runc_ "$pfx-join" "$b"
want=$(readlink /proc/self/ns/net)
[ "$OUT" = "$(ip netns exec "$pfx" readlink /proc/self/ns/net)" ] && [ "$OUT" != "$want" ] \
  && pass "namespaces[].path joins a network namespace" || fail "joined: '$OUT'"
ip netns del "$pfx"

# ---- hooks, each with the state on stdin ----
mkdir -p "$WORK/hookdir"
printf '#!/bin/sh\necho "$1 $(cat)" >> "$2"\n' > "$WORK/hook.sh"
cp "$WORK/hook.sh" "$ROOTFS/hook-$pfx.sh"
chmod 755 "$WORK/hook.sh" "$ROOTFS/hook-$pfx.sh"
L="$WORK/hookdir/log"
b=$(bundle hooks "c['process']['args'] = ['true']
c['mounts'].append({'destination': '/hooks', 'type': 'bind', 'source': '$WORK/hookdir', 'options': ['rbind']})
host = lambda k: [{'path': '$WORK/hook.sh', 'args': ['hook.sh', k, '$L']}]
c['hooks'] = {'prestart': host('prestart'), 'createRuntime': host('createRuntime'), 'createContainer': host('createContainer'),
  'startContainer': [{'path': '/hook-$pfx.sh', 'args': ['hook', 'startContainer', '/hooks/log']}],
  'poststart': host('poststart'), 'poststop': host('poststop')}")
runc_ "$pfx-hooks" "$b"
log=$(cat "$L" 2>/dev/null)
[ "$(cut -d' ' -f1 <<<"$log" | head -3 | tr '\n' ' ')" = "prestart createRuntime createContainer " ] \
  && pass "hooks: prestart, createRuntime, then createContainer (in the container's namespaces) at create" || fail "hooks at create: $log"
for k in startContainer poststart poststop; do
  grep -q "^$k .*\"id\" *: *\"$pfx-hooks\"" <<<"$log" && pass "hooks: $k ran with the state on its stdin" || fail "hook $k: $log"
done
grep -q "^createContainer .*\"pid\" *: *[1-9]" <<<"$log" && pass "hooks: the state has the container's pid" || fail "no pid: $log"
b=$(bundle hookfail "c['hooks'] = {'createContainer': [{'path': '/bin/false'}]}")
o create --bundle "$b" "$pfx-hookfail" >/dev/null 2>"$WORK/hookfail.err"
RC=$? ERR=$(cat "$WORK/hookfail.err")
expect_rc 1 "a failing createContainer hook fails create"
expect_in "$ERR" "hooks.createContainer[0] /bin/false failed" "and names it"
[ ! -e "$R/$pfx-hookfail" ] && pass "and leaves no record" || { fail "a record is left"; o delete --force "$pfx-hookfail"; }

# ---- exec ----
b=$(bundle exec "c['process']['args'] = ['sleep', '60']
c['process']['env'] = ['PATH=/bin:/sbin', 'FROM=config']")
o create --bundle "$b" "$pfx-exec" >/dev/null 2>&1 && o start "$pfx-exec"
run o exec "$pfx-exec" sh -c 'echo $$ $FROM; exit 7'
expect_rc 7 "exec: the command's exit status is exec's"
expect_in "$OUT" "config" "exec: the container's environment"
[ "$(echo "$OUT" | cut -d' ' -f1)" -gt 1 ] && pass "exec: the command is inside the container's pid namespace" || fail "pid: $OUT"
run o exec --env FOO=bar --cwd /etc --user 1000:1001 "$pfx-exec" sh -c 'echo $FOO; pwd; id -u; id -g'
expect_in "$OUT" "$(printf 'bar\n/etc\n1000\n1001')" "exec --env, --cwd, --user"
printf '{"args": ["sh", "-c", "echo from-process; id -u"], "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 5, "gid": 5}}' > "$WORK/process.json"
run o exec --process "$WORK/process.json" "$pfx-exec"
expect_in "$OUT" "$(printf 'from-process\n5')" "exec --process FILE"
# Detached, the command keeps exec's stdio: not the pipe of a $(...).
o exec -d --pid-file "$WORK/exec.pid" "$pfx-exec" sleep 30 >/dev/null 2>&1
RC=$?
xpid=$(cat "$WORK/exec.pid" 2>/dev/null)
[ "$RC" -eq 0 ] && [ -n "$xpid" ] && grep -q "^Name:.*sleep" "/proc/$xpid/status" \
  && [ "$(awk -F: '$2 ~ /memory/ {print $3}' "/proc/$xpid/cgroup")" = "/mgr.oci/$pfx-exec" ] \
  && pass "exec --detach --pid-file: the command runs in the container's cgroup ($xpid)" || fail "detached: rc $RC pid '$xpid'"
o ps "$pfx-exec" | grep -qx "$xpid" && pass "ps lists the exec'd process" || fail "ps: $(o ps "$pfx-exec")"
run o exec "$pfx-exec" /nonexistent
expect_rc 1 "exec of a missing program fails"
expect_in "$ERR" "/nonexistent" "and names it"
o delete --force "$pfx-exec"

# ---- the terminal: the pty's controller over the console socket ----
cat > "$WORK/console.py" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
open(sys.argv[1] + '.ready', 'w').close()
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 1024, 1)
m = fds[0]
os.write(m, b'echo typed-$((6*7))\n')
out = b''
while True:
    try:
        b = os.read(m, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
open(sys.argv[2], 'wb').write(out)
PY
console() { # console NAME: a receiver on $WORK/NAME.sock, its output in $WORK/NAME.tty
  rm -f "$WORK/$1.sock" "$WORK/$1.sock.ready"
  timeout 30 python3 "$WORK/console.py" "$WORK/$1.sock" "$WORK/$1.tty" &
  for _ in $(seq 50); do [ -e "$WORK/$1.sock.ready" ] && break; sleep 0.1; done
}
b=$(bundle tty "c['process']['terminal'] = True
c['process']['consoleSize'] = {'height': 33, 'width': 111}
c['process']['args'] = ['sh', '-c', 'tty; ls -l /dev/console | cut -c1-10; stty size; read line; eval \"\$line\"']")
console create
o create --bundle "$b" --console-socket "$WORK/create.sock" "$pfx-tty" >/dev/null 2>&1 && o start "$pfx-tty"
wait $!
OUT=$(tr -d '\r' < "$WORK/create.tty" 2>/dev/null)
expect_in "$OUT" "/dev/pts/0" "create --console-socket: the terminal is the container's /dev/pts/0"
expect_in "$OUT" "crw--w----" "and /dev/console is that pty"
expect_in "$OUT" "33 111" "process.consoleSize is the pty's size"
expect_in "$OUT" "typed-42" "and what the engine types reaches it"
o delete --force "$pfx-tty"
o create --bundle "$b" "$pfx-tty" >/dev/null 2>"$WORK/tty.err"
RC=$? ERR=$(cat "$WORK/tty.err")
expect_rc 2 "process.terminal without --console-socket is refused"
o create --bundle "$(bundle xtty "c['process']['args'] = ['sleep', '60']")" "$pfx-xtty" >/dev/null 2>&1 && o start "$pfx-xtty"
console exec
run o exec --tty --console-socket "$WORK/exec.sock" "$pfx-xtty" sh -c 'tty; read line; eval "$line"'
wait $!
OUT=$(tr -d '\r' < "$WORK/exec.tty" 2>/dev/null)
expect_in "$OUT" "/dev/pts/" "exec --tty --console-socket: a pty of the container's devpts"
expect_in "$OUT" "typed-42" "and input reaches the command"
o delete --force "$pfx-xtty"

# ---- what mgr-oci refuses, by JSON path ----
refuse() { # refuse PYTHON PATH WHAT
  local b
  b=$(bundle refuse "$1")
  o create --bundle "$b" "$pfx-refuse" >/dev/null 2>"$WORK/refuse.err"
  RC=$? ERR=$(cat "$WORK/refuse.err")
  if [ "$RC" -ne 0 ] && [[ "$ERR" == *"$2"* ]]; then pass "$3 (error names $2)"; else fail "$3: exit $RC: $ERR"; fi
  [ ! -e "$R/$pfx-refuse" ] && pass "and leaves no record" || { fail "a record is left"; o delete --force "$pfx-refuse"; }
}
refuse "c['process']['ioPriority'] = {'class': 'IOPRIO_CLASS_IDLE'}" "process.ioPriority" "a property of the spec that mgr-oci does not support is an error"
# The spec: "runtimes MUST NOT generate an error if they encounter an
# unknown property": one it does not define is ignored, at any depth.
b=$(bundle ignore "c['fooBar'] = 1; c['process']['fooBar'] = {'x': 1}; c['linux']['resources']['memory'] = {'fooBar': 2}")
# (stdout to a file: the created process keeps it open until start)
o create --bundle "$b" "$pfx-ignore" >/dev/null 2>"$WORK/ignore.err"
RC=$? ERR=$(cat "$WORK/ignore.err")
expect_rc 0 "properties the spec does not define are ignored (top, process, linux.resources.memory)"
o delete --force "$pfx-ignore" >/dev/null 2>&1
refuse "c['linux']['intelRdt'] = {'closID': 'x'}" "linux.intelRdt" "a field mgr does not support"
refuse "c['linux']['resources']['memory'] = {'kernel': 1000000}" "linux.resources.memory.kernel" "kernel memory"
refuse "c['mounts'][1]['options'].append('rro')" "mounts[1].options[4]" "a mount option mgr does not support"
refuse "c['linux']['cgroupsPath'] = 'machine.slice:libpod:x'" "linux.cgroupsPath" "systemd's cgroupsPath form"
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
  refuse "c['process']['apparmorProfile'] = 'mgr-test'" "process.apparmorProfile: not supported by mgr-oci (AppArmor is not enabled" \
    "an AppArmor profile on a host without AppArmor"
fi
refuse "c['process']['selinuxLabel'] = 'system_u:system_r:container_t:s0'" "process.selinuxLabel" "an SELinux label"
refuse "c['process']['args'] = ['/nonexistent']" "executing /nonexistent" "a missing program fails create"

finish
