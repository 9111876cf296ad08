#!/bin/bash
# [cgroup] on this host's layout (v2, v1 or hybrid): limits enforced from
# inside, freeze, live changes, usage, and no cgroup left behind.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the cgroup tests start containers as root"; exit 77; }
export MGR_TEMPLATES_DIR="$MGR_SRCDIR/templates"
PROBE="$MGR_BUILDDIR/tests/security/mgr-probe"
P="$WORK/containers"
chmod 755 "$WORK"
T=30
pfx="cg$$"
m() { local verb=$1; shift; timeout "$T" "$MGR" "$verb" -P "$P" "$@"; }
jget() { m info -n "$1" --format json | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
CGROOT=${MGR_CGROUP_ROOT:-/sys/fs/cgroup}
# The container's cgroup folders, in every hierarchy, named by its identity (NAME-HASH, mgr-info's "id").
cgdirs() { local id; id=$(jget "$1" id 2>/dev/null) && find "$CGROOT" -maxdepth 3 -type d -path "*/mgr.payload/$id" 2>/dev/null; }
cgfile() { # KEYFILE: where a file of the container's cgroup lives
  for d in $(cgdirs "$1"); do [ -e "$d/$2" ] && { echo "$d/$2"; return; }; done
}
cleanup() {
  for c in "$P"/*/; do [ -d "$c" ] && timeout 10 "$MGR" destroy -f -P "$P" -n "$(basename "$c")" >/dev/null 2>&1; done
  rm -rf "$WORK"
}
trap cleanup EXIT
echo "# cgroup layout: $(grep -c ' - cgroup ' /proc/self/mountinfo) v1 hierarchies, $(grep -c ' - cgroup2 ' /proc/self/mountinfo) cgroup2"

for kind in p u; do
  n="$pfx-$kind"
  if [ $kind = p ]; then m create -n "$n" -t busybox --privileged >/dev/null; else m create -n "$n" -t busybox >/dev/null; fi
  owner=$(stat -c %u:%g "$P/$n/rootfs/bin")
  install -m 755 -o "${owner%:*}" -g "${owner#*:}" "$PROBE" "$P/$n/rootfs/probe"
  cat >> "$P/$n/config" <<CONF

[cgroup]
memory.max = 48M
pids.max = 24
cpu.max = 20000 100000
cpuset.cpus = 0
CONF
  run m start -n "$n"
  expect_rc 0 "[$kind] start with limits"
  dirs=$(cgdirs "$n" | wc -l)
  [ "$dirs" -ge 1 ] && pass "[$kind] the container has its cgroup in $dirs hierarchies" || fail "[$kind] no cgroup"
  run m attach -n "$n" -- cat /proc/self/cgroup
  [ -z "$(echo "$OUT" | grep -v ':/$')" ] && pass "[$kind] inside, its own cgroup is / (cgroup namespace)" || fail "[$kind] /proc/self/cgroup: $OUT"
  # memory.max: a process allocating past it is killed, init lives on.
  run m attach -n "$n" -- /probe alloc 16
  expect_in "$OUT" "allocated 16 MiB" "[$kind] 16 MiB fit under memory.max = 48M"
  run m attach -n "$n" -- /probe alloc 200
  [ "$RC" -ne 0 ] && pass "[$kind] allocating 200 MiB past memory.max fails (exit $RC)" || fail "[$kind] 200 MiB allocated under a 48M limit"
  run m attach -n "$n" -- cat /proc/1/comm
  expect_in "$OUT" "init" "[$kind] init survives the OOM kill"
  # pids.max: 40 sleeps that outlive the forking (a 3 s sleep could end
  # before the 24th fork under emulation, and no fork would fail), in a
  # process group of their own that the shell's builtin kill ends (no fork
  # is left for pkill; a child not yet exec'd is no "sleep" yet).
  base=$(jget "$n" pids)
  run m attach -n "$n" -- sh -c 'setsid sh -c "for i in \$(seq 40); do sleep 600 & done" & g=$!; wait $g; kill -9 -$g && echo killed'
  expect_in "$ERR$OUT" "can't fork" "[$kind] forking past pids.max = 24 fails"
  expect_in "$OUT" "killed" "[$kind] and the sleeps were killed"
  pids=$(jget "$n" pids)
  [ "$pids" -le 24 ] && pass "[$kind] the container has $pids tasks, at most 24" || fail "[$kind] $pids tasks"
  # The killed sleeps are init's to reap (their shell is gone), and they
  # hold their pids until then: the next attaches need them.
  for _ in $(seq 600); do [ "$(jget "$n" pids)" -le "$base" ] && break; sleep 0.1; done
  # cpu.max and cpuset.cpus, seen on the host and inside
  quota=$(cat "$(cgfile "$n" cpu.max)" 2>/dev/null || cat "$(cgfile "$n" cpu.cfs_quota_us)")
  expect_in "$quota" "20000" "[$kind] cpu.max reached the cgroup ($quota)"
  run m attach -n "$n" -- grep Cpus_allowed_list /proc/self/status
  expect_in "$OUT" "	0" "[$kind] cpuset.cpus = 0 is honoured inside"
  # devices: /dev/null works, a disk does not
  run m attach -n "$n" -- sh -c 'echo x > /dev/null && echo null-ok'
  expect_in "$OUT" "null-ok" "[$kind] /dev/null is usable"
  run m attach -n "$n" -- /probe all
  expect_in "$OUT" "PROBE mknod-block blocked" "[$kind] a block device cannot be made"
  # live change
  run m config -n "$n" set --live cgroup.memory.max 96M
  expect_rc 0 "[$kind] set --live cgroup.memory.max"
  limit=$(cat "$(cgfile "$n" memory.max)" 2>/dev/null || cat "$(cgfile "$n" memory.limit_in_bytes)")
  [ "$limit" = $((96 * 1024 * 1024)) ] && pass "[$kind] the running container's limit is now 96M" || fail "[$kind] limit $limit"
  expect_in "$(cat "$P/$n/config")" "memory.max = 96M" "[$kind] and the file says so"
  run m config -n "$n" set --live cgroup.pids.max 0
  expect_rc 1 "[$kind] set --live refuses an invalid value"
  # freeze: a busy loop, frozen once it is known to spin (it says so first:
  # a fixed wait was too short for mgr-attach under emulation, and a loop
  # not yet begun proves nothing frozen and may miss the thawed window).
  # A file of its own per kind: the background job opens it after this
  # shell goes on. Killing timeout ends the attach too (it passes SIGTERM on).
  timeout 300 "$MGR" attach -P "$P" -n "$n" -- sh -c 'echo spinning; while :; do :; done' >"$WORK/spin.$kind" 2>&1 &
  spin=$!
  for _ in $(seq 600); do grep -qs spinning "$WORK/spin.$kind" && break; sleep 0.1; done
  expect_in "$(cat "$WORK/spin.$kind")" spinning "[$kind] a busy loop runs in the container"
  run m freeze -n "$n"
  expect_rc 0 "[$kind] freeze"
  expect_in "$(m info -n "$n")" "FROZEN" "[$kind] info says FROZEN"
  c1=$(jget "$n" cpu_usec); sleep 0.5; c2=$(jget "$n" cpu_usec)
  [ $((c2 - c1)) -lt 20000 ] && pass "[$kind] a busy loop stops when frozen (+$((c2 - c1)) us in 0.5 s)" || fail "[$kind] frozen but used $((c2 - c1)) us"
  run m unfreeze -n "$n"
  expect_rc 0 "[$kind] unfreeze"
  # Thawed, the loop runs again: more than 20 ms of CPU within a minute
  # (20% of a CPU under cpu.max, 0.5 s of it on an idle host; a starved
  # emulated VM may take longer to schedule it).
  c1=$(jget "$n" cpu_usec); t0=$SECONDS
  for _ in $(seq 120); do sleep 0.5; c2=$(jget "$n" cpu_usec); [ $((c2 - c1)) -gt 20000 ] && break; [ $((SECONDS - t0)) -ge 60 ] && break; done
  [ $((c2 - c1)) -gt 20000 ] && pass "[$kind] and runs again when thawed (+$((c2 - c1)) us in $((SECONDS - t0)) s)" || fail "[$kind] thawed but used $((c2 - c1)) us in $((SECONDS - t0)) s"
  kill $spin 2>/dev/null
  run m stop -k -n "$n"
  wait $spin 2>/dev/null
  [ -z "$(cgdirs "$n")" ] && pass "[$kind] no cgroup is left after stop" || fail "[$kind] left: $(cgdirs "$n")"
done

# ---- failures and crashes leave no cgroup ----
n="$pfx-p"
run m start -n "$n" -s container.init=/nonexistent
expect_rc 1 "a start that fails"
[ -z "$(cgdirs "$n")" ] && pass "leaves no cgroup" || fail "left: $(cgdirs "$n")"
run m start -n "$n" -s cgroup.cpuset.cpus=63
expect_rc 1 "a limit the host refuses (cpuset.cpus = 63) fails the start"
expect_in "$ERR" "cpuset.cpus" "and names the key"
[ -z "$(cgdirs "$n")" ] && pass "and leaves no cgroup" || fail "left: $(cgdirs "$n")"
m start -n "$n" >/dev/null
kill -9 "$(jget "$n" monitor_pid)"; sleep 0.2
run m stop -k -n "$n"
expect_rc 0 "stop -k after the monitor was killed"
[ -z "$(cgdirs "$n")" ] && pass "no cgroup is left after the monitor's death" || fail "left: $(cgdirs "$n")"

# ---- the v2 device program, on a host that has a cgroup2 hierarchy ----
if grep -q ' - cgroup2 ' /proc/self/mountinfo; then
  MGR_CGROUP_DEVICES=bpf run m start -n "$n"
  expect_rc 0 "start with the eBPF device program (cgroup v2)"
  run m attach -n "$n" -- sh -c 'echo x > /dev/null && echo null-ok; mknod /tmp/sda b 8 0 && echo MADE'
  expect_in "$OUT" "null-ok" "bpf: /dev/null is usable"
  expect_not_in "$OUT" "MADE" "bpf: a block device cannot be made"
  m stop -k -n "$n" >/dev/null

  # A live change replaces the program: programs attached side by side
  # all must allow, so loosening would never take effect.
  export MGR_CGROUP_DEVICES=bpf
  run m config -n "$n" set cgroup.devices.deny "c 1:5 rwm"
  run m start -n "$n"
  expect_rc 0 "bpf: start with /dev/zero denied"
  zero() { m attach -n "$n" -- sh -c 'head -c 3 /dev/zero | wc -c'; }
  run zero
  expect_not_in "$OUT" "3" "bpf: /dev/zero cannot be read while denied"
  run m config -n "$n" set --live cgroup.devices.deny none
  expect_rc 0 "bpf: set --live devices.deny none"
  run zero
  expect_in "$OUT" "3" "bpf: after loosening live, /dev/zero can be read"
  run m config -n "$n" set --live cgroup.devices.deny "c 1:5 rwm"
  run zero
  expect_not_in "$OUT" "3" "bpf: after tightening live again, it cannot"
  cg=$(cgdirs "$n" | while read -r d; do [ -e "$d/cgroup.type" ] && echo "$d"; done | head -1)
  if command -v bpftool >/dev/null 2>&1 && [ -n "$cg" ]; then
    progs=$(bpftool cgroup show "$cg" 2>/dev/null | grep -c cgroup_device)
    [ "$progs" = 1 ] && pass "bpf: one device program on the cgroup after two live changes" || fail "bpf: $progs device programs on $cg"
  fi
  m stop -k -n "$n" >/dev/null
  run m config -n "$n" set cgroup.devices.deny none
  unset MGR_CGROUP_DEVICES
fi
finish
