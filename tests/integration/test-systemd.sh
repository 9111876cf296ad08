#!/bin/bash
# Real distributions: a Debian 12 rootfs with systemd (debootstrap, cached
# under /var/cache by debian-image.sh), published on the test image server
# in LXC's layout and made into a privileged and a user-namespaced container
# with mgr-create -t download and default settings. Each boots to running
# with no failed unit, has a journal and a boot id of its own, stops cleanly
# with its stop signal, reboots and powers off from inside, and leaves no
# cgroup behind. A sysvinit Debian stops with SIGPWR. The security probes
# run inside the systemd containers. Times are printed, never asserted.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the systemd tests start containers as root"; exit 77; }
export MGR_TEMPLATES_DIR="$MGR_SRCDIR/templates"
mkdir -p "$WORK/etc/mgr"
echo "cache_path = \"$WORK/cache\";" > "$WORK/etc/mgr/mgr.conf"
export MGR_SYSCONFDIR="$WORK/etc"
P="$WORK/containers"
chmod 755 "$WORK"
T=60
pfx="sd$$"
PROBE="$MGR_BUILDDIR/tests/security/mgr-probe"
m() { local verb=$1; shift; timeout "$T" "$MGR" "$verb" -P "$P" "$@"; }
# mgr-start --wait-ready gives up by itself after 120 s without READY=1
# (monitor.c, READY_TIMEOUT_S) and says so: the suite's own limit is longer,
# so that a boot slowed by emulation on a loaded host (the v2 lab) is not
# cut at 60 s, and one that never gets ready fails with mgr's message.
ready() { local n=$1; shift; timeout 150 "$MGR" start -P "$P" -n "$n" --wait-ready "$@"; }
# Removing a 200 MB rootfs (8,000 files) grows with it as unpacking does,
# which took more than 60 s under emulation on a loaded host: 900 s too.
rmc() { timeout 900 "$MGR" destroy -P "$P" "$@"; }
jget() { timeout "$T" "$MGR" info -P "$P" -n "$1" --format json | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
now() { date +%s.%N; }
since() { python3 -c "print('%.2f' % ($(now) - $1))"; }
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
  for c in "$P"/*/; do [ -d "$c" ] && timeout 30 "$MGR" destroy -f -P "$P" -n "$(basename "$c")" >/dev/null 2>&1; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---- the images: built once (minutes), then from the cache ----
M="$WORK/mirror"
for kind in systemd sysvinit; do
  timeout 2700 "$MGR_SRCDIR/tests/integration/debian-image.sh" "$kind" "$M" >/dev/null
  rc=$?
  [ $rc -eq 0 ] || { echo "SKIP: the Debian $kind image cannot be built here (debian-image.sh exit $rc)"; exit 77; }
done
python3 "$MGR_SRCDIR/tests/download/image-server.py" "$M" "$WORK/port" "$WORK/requests" "$WORK/faults" &
SERVER_PID=$!
# Slow under emulation (the v2 lab): wait until it answers.
for i in $(seq 600); do [ -s "$WORK/port" ] && curl -fsS -o /dev/null "http://127.0.0.1:$(cat "$WORK/port")/meta/1.0/index-system" 2>/dev/null && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$WORK/port")"
# Unpacking the 200 MB image (and shifting it into the id block) takes more
# than a minute under emulation on a loaded host (the v2 lab): 900 s, as -t local has.
dl() { local n=$1 variant=$2; shift 2; timeout 900 "$MGR" create -P "$P" -n "$n" "$@" -t download -- --server "$URL" -d debian -r bookworm -a amd64 --variant "$variant"; }

# The container's cgroups in every hierarchy of the host.
cgdirs() { find /sys/fs/cgroup -maxdepth 4 -type d -path "*/mgr.payload/$1-*" 2>/dev/null; }
# systemctl inside, once systemd's bus is up (attach may come first).
sysctl_in() { local n=$1; shift; m attach -n "$n" -- systemctl "$@"; }
# Waits for systemd to finish booting; prints its state.
wait_running() {
  local n=$1 i s
  for i in $(seq 120); do
    s=$(timeout 130 "$MGR" attach -P "$P" -n "$n" -- systemctl is-system-running --wait 2>/dev/null)
    case "$s" in running|degraded|maintenance|stopping) echo "$s"; return ;; esac
    sleep 0.5
  done
  echo "${s:-no answer}"
}
wait_state() { # NAME STATE: up to 60 s
  local i
  for i in $(seq 600); do [ "$(jget "$1" state 2>/dev/null)" = "$2" ] && return 0; sleep 0.1; done
  return 1
}
boot_id() { m attach -n "$1" -- cat /proc/sys/kernel/random/boot_id; }

for kind in p u; do
  n="$pfx-$kind"
  t0=$(now)
  if [ $kind = p ]; then run dl "$n" systemd --privileged; else run dl "$n" systemd; fi
  echo "# [$kind] mgr-create -t download: $(since "$t0") s"
  expect_rc 0 "[$kind] mgr-create -t download of the Debian systemd image"
  R="$P/$n/rootfs"
  owner=$(stat -c %u:%g "$R/bin")
  install -m 755 -o "${owner%:*}" -g "${owner#*:}" "$PROBE" "$R/usr/local/bin/mgr-probe"

  # ---- boot ----
  t0=$(now)
  run m start -n "$n"
  expect_rc 0 "[$kind] start with default settings"
  expect_in "$(m info -n "$n")" "Stop signal:   SIGRTMIN+3 (auto: init is systemd)" "[$kind] stop.signal auto picks SIGRTMIN+3"
  state=$(wait_running "$n")
  echo "# [$kind] start to $state: $(since "$t0") s"
  failed=$(sysctl_in "$n" --failed --plain --no-legend --no-pager)
  # Without a user namespace, systemd mounts for its services (credentials,
  # PrivateTmp, ProtectSystem, ProtectKernelLogs, fusectl), many of them
  # through /proc/self/fd/N: the monitor mediates a privileged container's
  # mount calls, and systemd must not notice.
  [ "$state" = running ] && pass "[$kind] systemctl is-system-running --wait: running" || fail "[$kind] system state: $state"
  [ -z "$failed" ] && pass "[$kind] systemctl --failed lists nothing" || fail "[$kind] failed units: $failed"
  host_bid=$(cat /proc/sys/kernel/random/boot_id)
  bid1=$(boot_id "$n")
  [ -n "$bid1" ] && [ "$bid1" != "$host_bid" ] && pass "[$kind] a boot id of its own" || fail "[$kind] boot id '$bid1' (host $host_bid)"
  run m attach -n "$n" -- journalctl -b --no-pager -q -n 5
  [ -n "$OUT" ] && pass "[$kind] the journal has this boot" || fail "[$kind] journalctl -b is empty: $ERR"
  run m attach -n "$n" -- journalctl --list-boots --no-pager -q
  expect_in "$OUT" "${bid1//-/}" "[$kind] journald files it under the container's boot id"
  run m attach -n "$n" -- sh -c 'cat /proc/1/environ | tr "\0" "\n"; cat /run/systemd/container; systemd-detect-virt'
  expect_in "$OUT" "container=mgr" "[$kind] init's environment has container=mgr"

  # ---- the probes, from inside a systemd container ----
  run m attach -n "$n" -- /usr/local/bin/mgr-probe all
  probes=$(echo "$OUT" | grep -c '^PROBE ')
  allowed=$(echo "$OUT" | grep '^PROBE [^ ]* ALLOWED')
  [ "$probes" -ge 40 ] && [ -z "$allowed" ] && pass "[$kind] $probes security probes, every one blocked" \
    || fail "[$kind] probes: $probes ran; allowed: $allowed"

  # ---- reboot inside: a new init, running again, a new boot id ----
  pid=$(jget "$n" pid)
  t0=$(now)
  m attach -n "$n" -- systemctl reboot >/dev/null 2>&1
  for i in $(seq 300); do p2=$(jget "$n" pid 2>/dev/null); [ -n "$p2" ] && [ "$p2" != "$pid" ] && [ "$p2" != 0 ] && break; sleep 0.1; done
  state=$(wait_running "$n")
  echo "# [$kind] reboot to $state: $(since "$t0") s"
  [ "$p2" != "$pid" ] && [ "$(jget "$n" state)" = RUNNING ] && pass "[$kind] reboot inside: a new init ($pid, then $p2), running" \
    || fail "[$kind] after reboot: pid $p2 (was $pid), state $(jget "$n" state)"
  [ "$state" = running ] && pass "[$kind] booted again (state $state)" || fail "[$kind] state after reboot: $state"
  bid2=$(boot_id "$n")
  [ -n "$bid2" ] && [ "$bid2" != "$bid1" ] && pass "[$kind] each boot has its own boot id" || fail "[$kind] boot id $bid2 after $bid1"

  # ---- stop: the stop signal halts it, no SIGKILL ----
  t0=$(now)
  run m stop -n "$n"
  echo "# [$kind] mgr-stop: $(since "$t0") s"
  expect_rc 0 "[$kind] mgr-stop (without -k)"
  expect_not_in "$ERR" "SIGKILL" "[$kind] systemd halted on SIGRTMIN+3: no fallback to SIGKILL"
  [ -z "$(cgdirs "$n")" ] && pass "[$kind] no cgroup left in any hierarchy after stop" || fail "[$kind] left: $(cgdirs "$n")"

  # ---- start after stop, then poweroff inside ----
  t0=$(now)
  run ready "$n"
  expect_rc 0 "[$kind] start after stop, with --wait-ready"
  echo "# [$kind] mgr-start --wait-ready: $(since "$t0") s"
  run m attach -n "$n" -- systemctl is-system-running
  [ "$OUT" = running ] && pass "[$kind] --wait-ready returned once systemd had booted ($OUT)" \
    || fail "[$kind] after --wait-ready the state is $OUT"
  state=$(wait_running "$n")
  [ "$state" = running ] && pass "[$kind] running again (state $state)" || fail "[$kind] state: $state"
  t0=$(now)
  m attach -n "$n" -- systemctl poweroff >/dev/null 2>&1
  wait_state "$n" STOPPED && pass "[$kind] poweroff inside stops the container ($(since "$t0") s)" || fail "[$kind] still $(jget "$n" state) after poweroff"
  [ -z "$(cgdirs "$n")" ] && pass "[$kind] no cgroup left after poweroff" || fail "[$kind] left: $(cgdirs "$n")"

  # ---- a killed monitor: destroy removes everything ----
  m start -n "$n" >/dev/null
  wait_running "$n" >/dev/null
  [ "$(cgdirs "$n" | wc -l)" -ge 2 ] && pass "[$kind] systemd's cgroups are there" || fail "[$kind] no cgroups: $(cgdirs "$n")"
  kill -9 "$(jget "$n" monitor_pid)"
  sleep 0.2
  t0=$(now)
  run rmc -f -n "$n"
  echo "# [$kind] mgr-destroy -f: $(since "$t0") s"
  expect_rc 0 "[$kind] destroy -f after the monitor was killed"
  [ -z "$(cgdirs "$n")" ] && pass "[$kind] no cgroup left after a killed monitor and destroy" || fail "[$kind] left: $(cgdirs "$n")"
  [ ! -d "$P/$n" ] && pass "[$kind] the container is gone" || fail "[$kind] $P/$n is still there"
done

# ---- containers from what one has: -t local, --rootfs DIR, --rootfs-in-place ----
img=$(ls -d "$M"/images/debian/bookworm/amd64/systemd/*)
n="$pfx-local"
# Unpacking 200 MB and shifting it into the block takes minutes under
# emulation (the v2 lab), as packing does for --rootfs DIR below.
run timeout 900 "$MGR" create -P "$P" -n "$n" -t local -- --fstree "$img/rootfs.tar.xz" --metadata "$img/meta.tar.xz"
expect_rc 0 "mgr-create -t local -- --fstree ROOTFS.tar.xz --metadata META.tar.xz"
block=$(sed -n 's/^uid = 0 \([0-9]*\) 65536$/\1/p' "$P/$n/config")
[ -n "$block" ] && [ "$(stat -c %u "$P/$n/rootfs/usr/bin/passwd")" = "$block" ] \
  && pass "-t local: the files belong to the container's block ($block)" || fail "-t local: owner $(stat -c %u "$P/$n/rootfs/usr/bin/passwd"), block '$block'"
expect_in "$(cat "$P/$n/rootfs/etc/hostname")" "$n" "-t local: the metadata's templates list is applied"
run ready "$n"
expect_rc 0 "-t local: it boots (--wait-ready)"
m stop -n "$n" >/dev/null
# A v1 or hybrid host without a name=systemd hierarchy (seen from a mount
# namespace of the test's own, where the host's is unmounted; the host's
# mount table is not touched): mgr mounts one under its runtime folder.
if grep -q ' - cgroup cgroup .*name=systemd' /proc/self/mountinfo; then
  OUT=$(unshare -m --propagation private sh -c '
    umount "$(grep " - cgroup cgroup .*name=systemd" /proc/self/mountinfo | cut -d" " -f5 | head -1)" || exit 1
    timeout 150 "$0" start -P "$1" -n "$2" --wait-ready || exit 2
    # Where mgr mounted it: under its runtime folder, which is /run/mgr when
    # installed and elsewhere in a build configured with another prefix
    # (make distcheck).
    mp=$(grep " - cgroup cgroup .*name=systemd" /proc/self/mountinfo | cut -d" " -f5 | head -1)
    [ -n "$mp" ] && echo "mounted at $mp"
    timeout 60 "$0" attach -P "$1" -n "$2" -- systemctl is-system-running
    timeout 60 "$0" stop -P "$1" -n "$2" || exit 3
    [ -d "$mp/mgr.payload" ] || { echo "no $mp/mgr.payload"; exit 4; }
    find "$mp/mgr.payload" -maxdepth 1 -name "$2-*"' "$MGR" "$P" "$n" 2>&1) && RC=0 || RC=$?
  ERR=$OUT
  expect_rc 0 "on a host without name=systemd the container starts and stops"
  expect_in "$OUT" "mounted at " "mgr mounted a name=systemd hierarchy of its own"
  expect_in "$OUT" "running" "and systemd runs on it"
  expect_not_in "$OUT" "/mgr.payload/$n-" "and no cgroup is left in it after the stop"
fi
rmc -n "$n" >/dev/null
D="$WORK/dir-rootfs"
mkdir -p "$D"
tar -xpJf "$img/rootfs.tar.xz" --numeric-owner -C "$D"
n="$pfx-copy"
# Packing and unpacking 200 MB takes minutes under emulation (the v2 lab).
run timeout 900 "$MGR" create -P "$P" -n "$n" --rootfs "$D"
expect_rc 0 "mgr-create --rootfs DIR copies a folder"
block=$(sed -n 's/^uid = 0 \([0-9]*\) 65536$/\1/p' "$P/$n/config")
[ "$(stat -c %u "$P/$n/rootfs/usr/bin/passwd")" = "$block" ] && [ "$(stat -c %u "$D/usr/bin/passwd")" = 0 ] \
  && pass "--rootfs DIR: the copy is shifted into the block, the folder is untouched" \
  || fail "--rootfs DIR: copy owner $(stat -c %u "$P/$n/rootfs/usr/bin/passwd"), folder owner $(stat -c %u "$D/usr/bin/passwd")"
rmc -n "$n" >/dev/null
n="$pfx-inplace"
mknod -m 600 "$D/dev/mgr-test-disk" b 7 0 2>/dev/null
# Shifting 200 MB of files in place takes minutes under emulation too.
run timeout 900 "$MGR" create -P "$P" -n "$n" --rootfs "$D" --rootfs-in-place
expect_rc 0 "mgr-create --rootfs DIR --rootfs-in-place"
block=$(sed -n 's/^uid = 0 \([0-9]*\) 65536$/\1/p' "$P/$n/config")
expect_in "$(cat "$P/$n/config")" "rootfs = $D" "--rootfs-in-place: the config names the folder itself"
[ "$(stat -c %u "$D/usr/bin/passwd")" = "$block" ] && pass "--rootfs-in-place: the folder's files are shifted into the block" \
  || fail "--rootfs-in-place: owner $(stat -c %u "$D/usr/bin/passwd"), block $block"
expect_in "$(stat -c %A "$D/usr/bin/passwd")" "rws" "--rootfs-in-place: the set-uid bit survives the shift"
[ "$(stat -c %u "$D/dev/mgr-test-disk")" = 0 ] && pass "--rootfs-in-place: a device node stays the host's" \
  || fail "--rootfs-in-place: the device node now belongs to $(stat -c %u "$D/dev/mgr-test-disk")"
rm -f "$D/dev/mgr-test-disk"
run ready "$n"
expect_rc 0 "--rootfs-in-place: it boots (--wait-ready)"
m stop -n "$n" >/dev/null
rmc -n "$n" >/dev/null
[ -d "$D/usr" ] && pass "mgr-destroy leaves a folder used in place" || fail "the folder was removed"
run m create -n "$pfx-bad" --rootfs "$D" -t busybox
expect_rc 2 "--rootfs with -t is refused"

# ---- sysvinit: SIGPWR ----
n="$pfx-sysv"
run dl "$n" sysvinit
expect_rc 0 "mgr-create of the Debian sysvinit image"
run m start -n "$n"
expect_rc 0 "the sysvinit container starts"
expect_in "$(m info -n "$n")" "Stop signal:   SIGPWR (auto: init is sysvinit)" "stop.signal auto picks SIGPWR for sysvinit"
for i in $(seq 300); do
  rl=$(m attach -n "$n" -- runlevel 2>/dev/null)
  case "$rl" in *" 2") break ;; esac
  sleep 0.2
done
expect_in "$rl" " 2" "sysvinit reaches runlevel 2"
t0=$(now)
run m stop -n "$n"
echo "# [sysvinit] mgr-stop: $(since "$t0") s"
expect_rc 0 "mgr-stop of sysvinit"
expect_not_in "$ERR" "SIGKILL" "sysvinit shut down on SIGPWR: no fallback to SIGKILL"
[ -z "$(cgdirs "$n")" ] && pass "no cgroup left after the sysvinit stop" || fail "left: $(cgdirs "$n")"

finish
