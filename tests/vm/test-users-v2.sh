#!/bin/bash
# An ordinary user's container on a pure cgroup v2 host, with a cgroup
# delegated to the user by hand (mkdir, chown of the folder and of its
# cgroup.procs, cgroup.subtree_control and cgroup.threads), as systemd does
# for user@UID.service. Run inside the v2 lab (tests/vm/run-v2-lab.sh), whose
# root is read-only: /etc and /home get writable copies there first.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (a test user, a delegated cgroup)"; exit 77; }
[ -f /sys/fs/cgroup/cgroup.controllers ] && [ ! -d /sys/fs/cgroup/memory ] \
  || { echo "SKIP: not a pure cgroup v2 host (run it in tests/vm/run-v2-lab.sh)"; exit 77; }
for t in useradd userdel usermod setpriv newuidmap; do
  command -v $t >/dev/null || { echo "FAIL: $t missing"; echo "0 passed, 1 failed"; exit 1; }
done
T=60
U=mv$$
CG=/sys/fs/cgroup/mgrtest$$
# The lab's root is read-only: a writable copy of /etc, a tmpfs /home, both
# unmounted at the end. The suites after this one run in the same mount
# namespace: left there, /etc was the copy's deleted folder once $WORK was
# removed, and awk (/usr/bin/awk -> /etc/alternatives/awk), the passwd
# database and ld.so.cache were gone for them (test-monitor-core: 'awk:
# command not found'; most likely the 'awk: not found' that test-systemd's
# download step saw in the lab in session 3 too).
mounted=
if [ -n "${MGR_VM:-}" ] || ! touch /etc/.mgr-rw 2>/dev/null; then
  cp -a /etc "$WORK/etc" && mount --bind "$WORK/etc" /etc && mounted=/etc \
    && mount -t tmpfs home /home && mounted="/home /etc"
fi
rm -f /etc/.mgr-rw
cleanup() {
  [ -d "/home/$U" ] && for c in /home/$U/.local/share/mgr/*/; do
    [ -d "$c" ] && asu "$MGR" destroy -f -n "$(basename "$c")" >/dev/null 2>&1
  done
  for p in $(cat "$CG"/login/cgroup.procs 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  find "$CG" -depth -type d -exec rmdir {} \; 2>/dev/null
  id "$U" >/dev/null 2>&1 && userdel -r "$U" >/dev/null 2>&1
  for d in $mounted; do umount "$d" 2>/dev/null || umount -l "$d"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
useradd -m -s /bin/sh -K SUB_UID_COUNT=65536 -K SUB_GID_COUNT=65536 "$U" || { fail "useradd"; finish; exit 1; }
grep -q "^$U:" /etc/subuid || usermod --add-subuids 300000-365535 --add-subgids 300000-365535 "$U"

# The delegation, by hand.
mkdir "$CG" "$CG/login"
for c in memory pids; do grep -qw $c /sys/fs/cgroup/cgroup.subtree_control || echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control; done
chown "$U" "$CG" "$CG/cgroup.procs" "$CG/cgroup.subtree_control" "$CG/cgroup.threads" \
  "$CG/login" "$CG/login/cgroup.procs" "$CG/login/cgroup.threads"
# asu CMD...: as the user, from a process root has put into the delegated
# cgroup (the user may not move itself there from root's).
asu() {
  sh -c 'echo $$ > "$0/login/cgroup.procs" && shift && exec "$@"' "$CG" x \
    setpriv --reuid="$U" --regid="$U" --init-groups -- env -i HOME="/home/$U" PATH=/usr/bin:/bin:/usr/sbin:/sbin \
    MGR_TEMPLATES_DIR="$MGR_SRCDIR/templates" MGR_SECCOMP_DIR="$MGR_SRCDIR/config/seccomp" timeout "$T" "$@"
}

run asu "$MGR" checkconfig --user
expect_in "$OUT" "delegated to you: $CG" "checkconfig finds the delegation"
expect_in "$OUT" "memory" "and its controllers"
run asu "$MGR" create -n v -t busybox
expect_rc 0 "the user creates a container"
run asu "$MGR" start -n v -s cgroup.memory.max=32M -s cgroup.pids.max=20
expect_rc 0 "it starts with memory.max and pids.max"
expect_not_in "$ERR" "without limits" "no note about missing limits"
ccg=$(find "$CG/mgr.payload" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -1)
[ -n "$ccg" ] && pass "the container's cgroup is in the delegated subtree ($ccg)" || fail "no cgroup under $CG/mgr.payload: $(find "$CG" -type d)"
[ "$(cat "$ccg/memory.max" 2>/dev/null)" = 33554432 ] && pass "memory.max is set" || fail "memory.max: $(cat "$ccg/memory.max" 2>&1)"
[ "$(cat "$ccg/pids.max" 2>/dev/null)" = 20 ] && pass "pids.max is set" || fail "pids.max: $(cat "$ccg/pids.max" 2>&1)"
mon=$(find "$CG/mgr.monitor" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -1)
[ -n "$mon" ] && [ -n "$(cat "$mon/cgroup.procs")" ] && pass "the monitor is in a leaf of its own" \
  || fail "no monitor leaf: $(find "$CG" -type d)"
run asu "$MGR" attach -n v -- sh -c 'for i in $(seq 40); do sleep 30 & done 2>/dev/null; echo forked'
# The event is counted where the fork failed: the container's own cgroup
# below the one with the limit, on kernels before 6.2.
hits=$(find "$ccg" -name pids.events -exec sed -n 's/^max //p' {} + | awk '{ s += $1 } END { print s + 0 }')
[ "$hits" -gt 0 ] && [ "$(cat "$ccg/pids.current")" -le 20 ] && pass "pids.max is enforced (pids.events max $hits, $(cat "$ccg/pids.current") tasks)" \
  || fail "pids.events: $(find "$ccg" -name pids.events -exec cat {} +), pids.current $(cat "$ccg/pids.current")"
asu "$MGR" attach -n v -- sh -c 'pkill sleep' >/dev/null 2>&1
run asu "$MGR" attach -n v -- sh -c 'dd if=/dev/zero of=/dev/shm/big bs=1M count=64 2>&1; rm -f /dev/shm/big'
grep -qE '^(max|oom) [1-9]' "$ccg/memory.events" && pass "memory.max is enforced ($(tr '\n' ' ' < "$ccg/memory.events"))" \
  || fail "memory.events: $(cat "$ccg/memory.events")"
run asu "$MGR" freeze -n v
expect_rc 0 "freeze as the user"
[ "$(cat "$ccg/cgroup.freeze")" = 1 ] && pass "the cgroup is frozen" || fail "cgroup.freeze $(cat "$ccg/cgroup.freeze")"
run asu "$MGR" ls -f
expect_in "$OUT" FROZEN "ls says FROZEN"
run asu "$MGR" unfreeze -n v
expect_rc 0 "unfreeze"
run asu "$MGR" config -n v set --live cgroup.pids.max 30
expect_rc 0 "config --live as the user"
[ "$(cat "$ccg/pids.max")" = 30 ] && pass "the live change reaches the cgroup" || fail "pids.max $(cat "$ccg/pids.max")"
run asu "$MGR" stop -n v -k
expect_rc 0 "stop"
left=$(cd "$CG" && find . -mindepth 1 -type d | grep -v '^./login$')
[ -z "$left" ] && pass "nothing is left in the delegated cgroup after stop" || fail "left: $left"
run asu "$MGR" destroy -n v
expect_rc 0 "destroy"
finish
