#!/bin/bash
# Confinement: from inside privileged and user-namespaced containers with
# the default policy, try what an attacker would (tests/security/probe.c)
# and check that it fails. Also hostile rootfs layouts that must not start.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the security tests start containers as root"; exit 77; }
export MGR_TEMPLATES_DIR="$MGR_SRCDIR/templates"
PROBE="$MGR_BUILDDIR/tests/security/mgr-probe"
P="$WORK/containers"
chmod 755 "$WORK"
T=30
pfx="sec$$"
m() { local verb=$1; shift; timeout "$T" "$MGR" "$verb" -P "$P" "$@"; }
cleanup() {
  for c in "$P"/*/; do [ -d "$c" ] && timeout 10 "$MGR" destroy -f -P "$P" -n "$(basename "$c")" >/dev/null 2>&1; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# Every attack must be blocked. Where the kernel lets a user-namespaced
# root mount something (a procfs of its own pid namespace, a cgroup
# hierarchy of its own cgroup namespace, a tmpfs), the probe reports the
# mount as info and then tries what the mount would expose; those tries
# must fail like the rest.
declare -A EXPECTED=( [p]="" [u]="" )

check_probes() { # KIND WHERE OUTPUT
  local kind=$1 where=$2 out=$3
  local n allowed
  n=$(echo "$out" | grep -c '^PROBE ')
  [ "$n" -ge 40 ] && pass "[$kind] $where: $n probes ran" || fail "[$kind] $where: only $n probes ran: $out"
  while read -r _ name verdict detail; do
    case "$verdict" in
      blocked) pass "[$kind] $where: $name blocked ($detail)" ;;
      info) pass "[$kind] $where: $name: $detail" ;;
      ALLOWED)
        if [[ " ${EXPECTED[$kind]} " == *" $name "* ]]; then
          pass "[$kind] $where: $name succeeds by design (see EXPECTED)"
        else
          fail "[$kind] $where: $name ALLOWED: $detail"
        fi ;;
    esac
  done < <(echo "$out" | grep '^PROBE ')
}

for kind in p u; do
  n="$pfx-$kind"
  if [ $kind = p ]; then m create -n "$n" -t busybox --privileged >/dev/null; else m create -n "$n" -t busybox >/dev/null; fi
  owner=$(stat -c %u:%g "$P/$n/rootfs/bin")
  install -m 755 -o "${owner%:*}" -g "${owner#*:}" "$PROBE" "$P/$n/rootfs/probe"

  # As an attached process, while the caller holds an extra fd on purpose.
  m start -n "$n" >/dev/null
  exec 7</etc/hostname
  run m attach -n "$n" -- /probe all
  exec 7<&-
  check_probes $kind attach "$OUT"
  for what in query PER_LINUX PER_LINUX32 UNAME26 PER_LINUX32+UNAME26; do
    expect_in "$OUT" "PROBE personality-$what info works" "[$kind] personality $what is allowed (systemd's LockPersonality)"
  done
  run m attach -n "$n" --keep-env -- /probe all
  check_probes $kind "attach --keep-env" "$OUT"
  m stop -k -n "$n" >/dev/null

  # As the command of mgr-execute, under the minimal init.
  exec 7</etc/hostname
  run m execute -n "$n" -- /probe all
  exec 7<&-
  check_probes $kind execute "$OUT"

  # As init itself: its fds right after start (the console log records them).
  run m start -n "$n" -s "container.console.log=$WORK/$n.console" -- /probe fds
  for i in $(seq 50); do grep -q '^PROBE' "$WORK/$n.console" 2>/dev/null && break; sleep 0.1; done
  out=$(tr -d '\r' < "$WORK/$n.console")
  expect_in "$out" "PROBE inherited-fds blocked none" "[$kind] init starts with only fds 0-2"
  m stop -k -n "$n" >/dev/null 2>&1

  # Seccomp and capabilities apply to attached processes too.
  m start -n "$n" >/dev/null
  run m attach -n "$n" -- sh -c 'grep -E "^(Seccomp|CapBnd):" /proc/self/status'
  expect_in "$OUT" "Seccomp:	2" "[$kind] an attached process is under the seccomp filter"
  m stop -k -n "$n" >/dev/null
done

# ---- [container] nesting ----
# Locked mounts are why a user-namespaced root cannot mount a procfs of its
# own (the kernel wants a fully visible one first). nesting = true leaves
# them unlocked, as nested containers need, and costs exactly the probes
# above that depend on the locks.
n="$pfx-u"
m start -n "$n" -s container.nesting=true >/dev/null
run m attach -n "$n" -- sh -c 'mkdir -p /tmp/p && mount -t proc proc /tmp/p && echo NESTED-PROC && umount /tmp/p'
expect_in "$OUT" "NESTED-PROC" "nesting = true: root inside mounts a procfs of its own"
run m attach -n "$n" -- /probe all
expect_in "$OUT" "PROBE remount-proc-sys-rw ALLOWED" "nesting = true: /proc/sys can be remounted read-write (documented)"
expect_in "$OUT" "PROBE write-core_pattern blocked" "nesting = true: core_pattern stays out of reach all the same"
m stop -k -n "$n" >/dev/null
m start -n "$n" >/dev/null
run m attach -n "$n" -- sh -c 'mkdir -p /tmp/p && mount -t proc proc /tmp/p && echo NESTED-PROC'
expect_not_in "$OUT" "NESTED-PROC" "nesting = false (default): no second procfs"
m stop -k -n "$n" >/dev/null
run m start -n "$pfx-p" -s container.nesting=true
expect_rc 1 "nesting = true in a privileged container is refused"
expect_in "$ERR" "[container] nesting" "naming the key"

# ---- a hostile rootfs ----
n="$pfx-u"
R="$P/$n/rootfs"
uid=$(stat -c %u "$R")
mkdir -p "$WORK/host-target"; echo untouched > "$WORK/host-target/file"; chmod 755 "$WORK/host-target"
for what in proc sys dev; do
  mv "$R/$what" "$R/$what.real"
  ln -s "$WORK/host-target" "$R/$what"; chown -h "$uid:$uid" "$R/$what"
  run m start -n "$n"
  expect_rc 1 "a rootfs whose /$what is a symlink does not start"
  expect_in "$ERR" "symlink inside the rootfs" "and says so for /$what"
  rm "$R/$what"; mv "$R/$what.real" "$R/$what"
done
ln -s /etc "$R/data"; chown -h "$uid:$uid" "$R/data"
cp "$P/$n/config" "$WORK/config.saved"
printf '\n[mount data]\nsource = %s\ntarget = /data\noptions = bind,ro,create=dir\n' "$WORK/host-target" >> "$P/$n/config"
run m start -n "$n"
expect_rc 1 "a mount target that is a symlink out of the rootfs does not start"
expect_in "$ERR" "opening the mount target /data inside the rootfs" "and names the target"
[ "$(grep -c " /etc " /proc/mounts)" = 0 ] && pass "nothing was mounted over the host's /etc" || fail "/etc was mounted over!"
rm "$R/data"
mkdir -p "$R/srv"; ln -s ../../../../../../etc "$R/srv/deep"; chown -h "$uid:$uid" "$R/srv" "$R/srv/deep"
sed -i 's|^target = /data|target = /srv/deep/x|' "$P/$n/config"
run m start -n "$n"
expect_rc 1 "a mount target with a ../ symlink does not start"
rm -rf "$R/srv"
cp "$WORK/config.saved" "$P/$n/config"
run m start -n "$n"
expect_rc 0 "the repaired rootfs starts"
m stop -k -n "$n" >/dev/null
[ "$(cat "$WORK/host-target/file")" = untouched ] && pass "the host folder is untouched" || fail "host folder changed"

finish
