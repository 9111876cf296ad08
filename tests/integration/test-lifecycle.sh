#!/bin/bash
# Real containers, as root: lifecycle, attach, execute, failures, destroy.
# Each step is bounded by timeout; everything made here is removed at exit.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the integration tests start containers as root"; exit 77; }

export MGR_TEMPLATES_DIR="$MGR_SRCDIR/templates"
P="$WORK/containers"
# The containers' mapped roots must be able to reach their rootfs.
chmod 755 "$WORK"
T=20
pfx="it$$"
m() { local verb=$1; shift; timeout "$T" "$MGR" "$verb" -P "$P" "$@"; }
# A process is gone when it no longer exists or is a zombie waiting for its reaper.
# A field of mgr-info's JSON.
jget() { timeout "$T" "$MGR" info -P "$P" -n "$1" --format json | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
gone() { ! grep -qsE "^State:[[:space:]]+[A-Y]" "/proc/$1/status"; }
mstart() { timeout "$T" "$MGR" start -P "$P" "$@"; }
cleanup() {
  for c in "$P"/*/; do
    [ -d "$c" ] || continue
    n=$(basename "$c")
    timeout 10 "$MGR" destroy -f -P "$P" -n "$n" >/dev/null 2>&1
  done
  for k in p u; do command tmux -L "mgrt$$$k" kill-server 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ---- create ----
run m create -n "$pfx-p" -t busybox --privileged
expect_rc 0 "create a privileged busybox container"
run m create -n "$pfx-u" -t busybox
expect_rc 0 "create a user-namespaced busybox container"
ucfg=$(cat "$P/$pfx-u/config")
expect_in "$ucfg" "[id_map]" "root's container gets an [id_map] by default"
ublock=$(sed -n 's/^uid = 0 \([0-9]*\) 65536$/\1/p' "$P/$pfx-u/config")
[ -n "$ublock" ] && [ "$(stat -c %u "$P/$pfx-u/rootfs/bin/busybox")" = "$ublock" ] \
  && pass "the rootfs belongs to the container's id block ($ublock)" || fail "rootfs owner $(stat -c %u "$P/$pfx-u/rootfs/bin/busybox") != block '$ublock'"
run m create -n "$pfx-u2" -t busybox
u2block=$(sed -n 's/^uid = 0 \([0-9]*\) 65536$/\1/p' "$P/$pfx-u2/config")
[ -n "$u2block" ] && [ "$u2block" != "$ublock" ] && [ $(( u2block - ublock )) -ge 65536 -o $(( ublock - u2block )) -ge 65536 ] \
  && pass "two containers get disjoint id blocks ($ublock, $u2block)" || fail "blocks overlap: $ublock $u2block"
run m create -n "../x" -t busybox
expect_rc 2 "create refuses a name with /"
run m create -n "$pfx-f" -t "$WORK/failing-template"
expect_rc 1 "create with a missing template fails"
printf '#!/bin/sh\nmkdir -p "$6/bin"; echo half > "$6/bin/x"; exit 3\n' > "$WORK/failing-template"; chmod +x "$WORK/failing-template"
run m create -n "$pfx-f" -t "$WORK/failing-template"
expect_rc 1 "create with a failing template fails"
[ -z "$(ls -A "$P" | grep -v '^\.create\.lock$' | grep -e "$pfx-f" -e creating)" ] && pass "a failed create leaves no folder" || fail "left: $(ls -A "$P")"
printf '#!/bin/sh\nmkdir -p "$6"; touch "$6/started"; sleep 30\n' > "$WORK/slow-template"; chmod +x "$WORK/slow-template"
"$MGR" create -P "$P" -n "$pfx-int" -t "$WORK/slow-template" >/dev/null 2>"$WORK/int.err" &
cpid=$!
for i in $(seq 50); do ls "$P"/.$pfx-int.creating-*/rootfs/started >/dev/null 2>&1 && break; sleep 0.1; done
kill -INT $cpid; wait $cpid; rc=$?
[ $rc -ne 0 ] && pass "SIGINT fails the create (exit $rc)" || fail "SIGINT: exit 0"
expect_in "$(cat "$WORK/int.err")" "interrupted" "and says it was interrupted"
[ -z "$(ls -A "$P" | grep -e "$pfx-int")" ] && pass "SIGINT during create leaves nothing" || fail "left: $(ls -A "$P")"

for kind in p u; do
  n="$pfx-$kind"
  # ---- start ----
  run mstart -n "$n"
  expect_rc 0 "[$kind] start"
  run m info -n "$n" --format json
  pid=$(echo "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  expect_in "$OUT" '"state": "RUNNING"' "[$kind] info says RUNNING"
  [ -d "/proc/$pid" ] && pass "[$kind] init runs on the host as pid $pid" || fail "[$kind] no process $pid"
  run m attach -n "$n" -- cat /proc/1/comm
  expect_in "$OUT" "init" "[$kind] init is PID 1 inside"
  run m attach -n "$n" -- sh -c 'ls -d /proc/[0-9]* | wc -l'
  [ "$OUT" -lt 10 ] && pass "[$kind] the container sees only its own few processes ($OUT)" || fail "[$kind] sees $OUT processes"
  mon=$(jget "$n" monitor_pid)
  run m attach -n "$n" -- sh -c "cat /proc/*/status 2>/dev/null | grep -c '^Name:.*mgr'"
  [ "$OUT" = 0 ] && pass "[$kind] no host process (the monitor) is visible inside" || fail "[$kind] host processes visible: $OUT"
  run m attach -n "$n" -- hostname
  expect_in "$OUT" "$n" "[$kind] the hostname is the container's"
  run m attach -n "$n" -- cat /proc/self/uid_map
  if [ $kind = u ]; then
    [ "$(echo $OUT)" = "0 $ublock 65536" ] && pass "[u] uid_map inside matches [id_map]" || fail "[u] uid_map: $OUT"
    [ "$(stat -c %u /proc/$pid)" = "$ublock" ] && pass "[u] container root is uid $ublock on the host" || fail "[u] init owned by $(stat -c %u /proc/$pid)"
  else
    [ "$(echo $OUT)" = "0 0 4294967295" ] && pass "[p] privileged: the identity map" || fail "[p] uid_map: $OUT"
  fi
  # ---- attach ----
  run m attach -n "$n" -- sh -c 'for n in mnt pid uts ipc net cgroup user; do echo "$n $(readlink /proc/self/ns/$n) $(readlink /proc/1/ns/$n)"; done'
  same=$(echo "$OUT" | awk '$2 == $3' | wc -l)
  [ "$same" = 7 ] && pass "[$kind] attach is in all 7 namespaces of init" || fail "[$kind] namespaces differ: $OUT"
  for ns in mnt pid net; do
    [ "$(readlink /proc/$pid/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] && pass "[$kind] init's $ns namespace is not the host's" || fail "[$kind] $ns shared with host"
  done
  exec 7</etc/hostname
  # ls runs as the shell's child, so the listing is of the attached shell's fds.
  run m attach -n "$n" -- sh -c 'ls -l /proc/$$/fd'
  exec 7<&-
  expect_not_in "$OUT" "/etc/hostname" "[$kind] attach passes no host fd (the caller held /etc/hostname on fd 7)"
  fds=$(echo "$OUT" | sed -n 's/.* \([0-9][0-9]*\) -> .*/\1/p' | sort -n | tr '\n' ' ')
  [ "$fds" = "0 1 2 " ] && pass "[$kind] attach: only fds 0-2" || fail "[$kind] fds: $fds: $OUT"
  run m attach -n "$n" -- sh -c 'exit 42'
  expect_rc 42 "[$kind] attach returns the command's status"
  SECRET_HOST_VAR=leak run m attach -n "$n" -- env
  expect_not_in "$OUT" "SECRET_HOST_VAR" "[$kind] attach clears the host environment"
  expect_in "$OUT" "container=mgr" "[$kind] attach sets container=mgr"
  SECRET_HOST_VAR=kept run m attach -n "$n" --keep-env -v EXTRA=1 -- env
  expect_in "$OUT" "SECRET_HOST_VAR=kept" "[$kind] --keep-env keeps it"
  expect_in "$OUT" "EXTRA=1" "[$kind] -v sets a variable"
  run m attach -n "$n" -- /nonexistent
  expect_rc 1 "[$kind] attach of a missing program fails"
  expect_in "$ERR" "executing /nonexistent in the container: No such file" "[$kind] and says why"
  run m attach -n "$n" --cwd /etc -u 65534 -g 65534 -- sh -c 'pwd; id -u; grep CapEff /proc/self/status'
  expect_in "$OUT" "/etc" "[$kind] --cwd"
  expect_in "$OUT" "CapEff:	0000000000000000" "[$kind] -u 65534 runs without capabilities"
  # ---- attach on a terminal: a pty of the container's own, resized with the terminal ----
  tm="mgrt$$$kind"
  # A private tmux server, ended below: nothing outlives the test.
  tmux() { command tmux -L "$tm" "$@"; }
  tmux_start "$tm" -s "$tm" -x 100 -y 30 "$MGR attach -P $P -n $n; echo ATTACH-EXIT=\$?; sleep 30"
  sleep 1.5
  tmux send-keys -t "$tm" 'echo "IN=$(hostname) $(stty size) $(tty)"' Enter
  sleep 1
  tmux resize-window -t "$tm" -x 120 -y 40
  sleep 0.5
  tmux send-keys -t "$tm" 'echo "NOW=$(stty size)"; exit 3' Enter
  sleep 1.5
  screen=$(tmux capture-pane -t "$tm" -p)
  tmux kill-server 2>/dev/null
  unset -f tmux
  expect_in "$screen" "IN=$n 30 100 /dev/pts/" "[$kind] attach on a terminal gets a pty from the container's devpts, sized like the terminal"
  expect_in "$screen" "NOW=40 120" "[$kind] the pty follows a resize of the terminal"
  expect_in "$screen" "ATTACH-EXIT=3" "[$kind] and returns the shell's exit status"
  # ---- console history ----
  run timeout 3 "$MGR" console -P "$P" -n "$n" </dev/null
  expect_in "$OUT" "$n is up" "[$kind] mgr-console replays the console (rcS output)"
  # ---- reboot inside: the container starts again ----
  bid0=$(m attach -n "$n" -- cat /proc/sys/kernel/random/boot_id)
  run m attach -n "$n" -- reboot
  for i in $(seq 100); do
    p2=$(jget "$n" pid 2>/dev/null); s2=$(jget "$n" state 2>/dev/null)
    [ "$p2" != "$pid" ] && [ "$s2" = RUNNING ] && break
    sleep 0.1
  done
  [ "$p2" != "$pid" ] && [ "$s2" = RUNNING ] && pass "[$kind] reboot inside restarts the container (init $pid, then $p2)" \
    || fail "[$kind] after reboot: state $s2, pid $p2 (was $pid)"
  [ "$(jget "$n" monitor_pid)" = "$mon" ] && pass "[$kind] under the same monitor" || fail "[$kind] monitor changed"
  gone "$pid" && pass "[$kind] the first init is gone" || fail "[$kind] first init $pid still there"
  pid=$p2
  run timeout 3 "$MGR" console -P "$P" -n "$n" </dev/null
  expect_not_in "$OUT" "can't access tty" "[$kind] the console shell has job control (init does not hold the console)"
  # ---- concurrent start ----
  run mstart -n "$n"
  expect_rc 1 "[$kind] a second start fails"
  expect_in "$ERR" "already running" "[$kind] and says it is running"
  # ---- what a distribution's init expects ----
  run m attach -n "$n" -- sh -c 'cat /proc/sys/kernel/random/boot_id /run/systemd/container; grep -E " /run(/lock)? " /proc/self/mounts'
  bid=$(echo "$OUT" | head -1)
  [ -n "$bid" ] && [ "$bid" != "$(cat /proc/sys/kernel/random/boot_id)" ] && pass "[$kind] the container has a boot id of its own ($bid)" \
    || fail "[$kind] boot id '$bid' is the host's"
  [ -n "$bid0" ] && [ "$bid" != "$bid0" ] && pass "[$kind] and a new one after the reboot" || [ -z "$bid0" ] || fail "[$kind] boot id kept over the reboot"
  expect_in "$OUT" "mgr" "[$kind] /run/systemd/container says mgr"
  expect_in "$OUT" "tmpfs /run tmpfs rw,nosuid,nodev" "[$kind] /run is a tmpfs"
  expect_in "$OUT" "tmpfs /run/lock tmpfs rw,nosuid,nodev,noexec" "[$kind] /run/lock is a tmpfs"
  run m attach -n "$n" -- sh -c 'echo 1 > /proc/sys/kernel/random/boot_id'
  [ "$RC" -ne 0 ] && pass "[$kind] the boot id cannot be changed inside" || fail "[$kind] boot id written"
  # ---- stop ----
  run m stop -n "$n"
  expect_rc 0 "[$kind] stop (busybox init powers off on SIGUSR2)"
  gone "$pid" && pass "[$kind] init is gone" || fail "[$kind] init $pid still there"
  [ ! -e "$(jget "$n" runtime_dir)/monitor.sock" ] && pass "[$kind] the monitor removed its socket" || fail "[$kind] socket left"
  gone "$mon" && pass "[$kind] the monitor exited" || fail "[$kind] monitor $mon still there"
  run m stop -n "$n"
  expect_rc 2 "[$kind] stop of a stopped container exits 2"
  # ---- stop -k ----
  mstart -n "$n" >/dev/null 2>&1
  run m stop -k -n "$n"
  expect_rc 0 "[$kind] stop -k"
  # ---- stop.signal = auto: SIGPWR for busybox's init ----
  mstart -n "$n" -s container.stop.signal=auto >/dev/null
  run m stop -n "$n" -t 10
  expect_rc 0 "[$kind] stop.signal = auto stops busybox's init without SIGKILL"
  expect_not_in "$ERR" "SIGKILL" "[$kind] and mgr-stop says nothing of a kill"
  m config -n "$n" set container.stop.signal auto >/dev/null
  expect_in "$(m info -n "$n")" "Stop signal:   SIGPWR (auto: init is busybox)" "[$kind] mgr-info shows the signal auto chose"
  expect_in "$(m info -n "$n" --format json)" '"stop_signal": "SIGPWR", "init_kind": "busybox"' "[$kind] and so does its JSON"
  m config -n "$n" set container.stop.signal SIGUSR2 >/dev/null
  # ---- an init that ignores the stop signal: killed, and mgr-stop says so ----
  mstart -n "$n" -s container.stop.signal=auto -- /bin/sleep 1000 >/dev/null
  run m stop -n "$n" -t 1
  expect_rc 1 "[$kind] mgr-stop exits 1 when it had to fall back to SIGKILL"
  expect_in "$ERR" "did not stop within 1 s of SIGPWR and was killed with SIGKILL" "[$kind] and says so on stderr"
  expect_in "$(m info -n "$n")" "STOPPED" "[$kind] the container is stopped all the same"
  # ---- start -F: in front, the console on our stdin/stdout ----
  OUT=$(echo hello | timeout $T "$MGR" start -F -P "$P" -n "$n" -- /bin/sh -c 'read x; echo "got $x"; exit 5' 2>&1) && RC=0 || RC=$?
  expect_rc 5 "[$kind] start -F returns init's exit status"
  expect_in "$OUT" "got hello" "[$kind] start -F relays stdin and stdout through the console"
  # ---- tty.count: /dev/tty1..N, each reachable with mgr-console -t N ----
  mstart -n "$n" -s container.tty.count=2 >/dev/null
  run m attach -n "$n" -- sh -c 'ls /dev/tty1 /dev/tty2 && echo "to-tty2-$$" > /dev/tty2'
  expect_rc 0 "[$kind] tty.count = 2 gives /dev/tty1 and /dev/tty2"
  run timeout 3 "$MGR" console -P "$P" -n "$n" -t 2 </dev/null
  expect_in "$OUT" "to-tty2-" "[$kind] mgr-console -t 2 shows what was written to /dev/tty2"
  run m console -n "$n" -t 3 </dev/null
  expect_in "$ERR" "has 2 tty" "[$kind] mgr-console -t 3 says there are only 2"
  m stop -k -n "$n" >/dev/null
  # ---- execute ----
  run m execute -n "$n" -- sh -c 'echo "pid $$"; exit 3'
  expect_rc 3 "[$kind] execute returns the command's status"
  expect_in "$OUT" "pid 2" "[$kind] execute: the command runs under the minimal init (pid 2)"
  OUT=$(echo piped | timeout $T "$MGR" execute -P "$P" -n "$n" -- cat)
  [ "$OUT" = piped ] && pass "[$kind] execute passes stdin and stdout" || fail "[$kind] execute stdio: $OUT"
  sum=$(sha256sum "$MGR" | cut -d' ' -f1)
  run m execute -n "$n" -- sh -c 'echo x >> /proc/1/exe && echo WROTE; readlink /proc/1/exe; exit 0'
  expect_not_in "$OUT" "WROTE" "[$kind] execute: PID 1 cannot be written through /proc/1/exe"
  # PID 1 is mgr-init from a sealed memfd, never a host file (the security
  # suite compares device and inode, and tries environ and ptrace).
  expect_in "$OUT" "/memfd:mgr-init" "[$kind] execute: PID 1 runs the sealed in-memory init"
  [ "$(sha256sum "$MGR" | cut -d' ' -f1)" = "$sum" ] && pass "[$kind] the host binary is unchanged" || fail "[$kind] host binary changed!"
  # What mgr-init (src/init/mgr-init.c, built without a C library on
  # x86-64) does as PID 1: it passes on a death by signal, reaps the
  # orphans it inherits, and forwards the stop signal (here SIGTERM; the
  # busybox template sets SIGUSR2, busybox init's poweroff) to the command.
  run m execute -n "$n" -- sh -c 'kill -KILL $$'
  expect_rc 137 "[$kind] execute: a command killed by SIGKILL gives 128+9"
  run m execute -n "$n" -- sh -c 'sh -c "sleep 0.1 &"; sleep 0.6; grep -l "^State:.*Z" /proc/[0-9]*/status; grep -h "^PPid:" /proc/[0-9]*/status | sort -u | tr "\n" " "; echo end'
  expect_rc 0 "[$kind] execute: a command leaving an orphan behind"
  expect_not_in "$OUT" "/status" "[$kind] execute: PID 1 reaps the orphan (no zombie left)"
  expect_in "$OUT" "end" "[$kind] execute: the orphan check ran"
  timeout $T "$MGR" execute -P "$P" -n "$n" -s container.stop.signal=SIGTERM -- sh -c 'trap "echo got-term; exit 4" TERM; echo ready; while :; do sleep 0.1; done' \
    </dev/null >"$WORK/exterm.out" 2>&1 &
  xp=$!
  for i in $(seq 100); do grep -q ready "$WORK/exterm.out" && break; sleep 0.1; done
  kill -TERM $xp; wait $xp; rc=$?
  [ $rc = 4 ] && grep -q got-term "$WORK/exterm.out" && pass "[$kind] execute: SIGTERM to mgr-execute reaches the command through PID 1" \
    || fail "[$kind] execute: SIGTERM: exit $rc, $(cat "$WORK/exterm.out")"
done

# ---- attach cannot reach the host binary (CVE-2019-5736) ----
n="$pfx-p"
mstart -n "$n" >/dev/null 2>&1
run m attach -n "$n" -- sh -c 'for p in /proc/[0-9]*; do readlink $p/exe; done'
expect_not_in "$OUT" "$(readlink -f "$MGR")" "attach: no process in the container has the host binary as exe"
# The attaching helper itself: try to write its exe from inside while it waits.
run m attach -n "$n" -- sh -c 'for p in /proc/[0-9]*; do (echo x >> $p/exe) 2>/dev/null && echo "WROTE $p"; done; exit 0'
expect_not_in "$OUT" "WROTE" "attach: no executable of a visible process is writable"
[ "$(sha256sum "$MGR" | cut -d' ' -f1)" = "$sum" ] && pass "the host binary is unchanged after attach" || fail "host binary changed!"

# ---- MGR_TRACE: the start's steps, from every process, in one timeline ----
MGR_TRACE=1 run mstart -n "$pfx-u2"
expect_rc 0 "MGR_TRACE=1: the start starts"
tr=$(echo "$ERR" | grep '^mgr-trace ')
for step in "start: plan loaded" "monitor: cgroup created" "spawn: cloned" "child: GO received" \
            "child: privileges dropped, seccomp loaded; exec" "monitor: reporting ok"; do
  expect_in "$tr" " $step" "MGR_TRACE=1 shows '$step'"
done
[ "$(echo "$tr" | awk '{print $2}' | sort -u | wc -l)" -ge 3 ] && pass "the lines come from mgr-start, its monitor and the container's first process" \
  || fail "trace from fewer than 3 processes: $tr"
echo "$tr" | awk '$4 !~ /^\+[0-9]+$/ || $3 !~ /^[0-9]+$/ {bad = 1} END {exit bad}' \
  && pass "each line has monotonic microseconds and the time since the previous step" || fail "malformed trace: $tr"
[ -z "$(echo "$ERR" | grep -v '^mgr-trace ')" ] && pass "nothing but trace lines on stderr" || fail "stderr: $ERR"
MGR_TRACE="$WORK/trace.log" run m stop -k -n "$pfx-u2"
MGR_TRACE="$WORK/trace.log" run mstart -n "$pfx-u2"
[ -z "$ERR" ] && grep -q ' child: GO received' "$WORK/trace.log" && pass "MGR_TRACE=FILE writes the lines to the file, not stderr" \
  || fail "MGR_TRACE=FILE: stderr '$ERR', file: $(cat "$WORK/trace.log" 2>&1)"
m stop -k -n "$pfx-u2" >/dev/null 2>&1
run mstart -n "$pfx-u2"
[ -z "$ERR" ] && pass "without MGR_TRACE, no trace" || fail "stderr without MGR_TRACE: $ERR"
m stop -k -n "$pfx-u2" >/dev/null 2>&1

# ---- autostart ----
m config -n "$pfx-u" set container.autostart true >/dev/null
run m autostart --list
expect_in "$OUT" "$pfx-u STOPPED" "autostart --list shows the containers marked autostart"
expect_not_in "$OUT" "$pfx-u2" "and only those"
run m autostart
expect_rc 0 "autostart starts them"
expect_in "$(m info -n "$pfx-u")" "RUNNING" "the marked container runs"
expect_in "$(m info -n "$pfx-u2")" "STOPPED" "the others do not"
run m autostart --stop
expect_rc 0 "autostart --stop stops them"
expect_in "$(m info -n "$pfx-u")" "STOPPED" "and it is stopped"
m config -n "$pfx-u" unset container.autostart >/dev/null

# ---- the monitor dies ----
mon=$(jget "$n" monitor_pid)
pid=$(jget "$n" pid)
kill -9 "$mon"; sleep 0.2
run m info -n "$n"
expect_in "$OUT" "monitor died" "info notices the monitor's death"
run m attach -n "$n" -- echo still-there
expect_in "$OUT" "still-there" "attach still works without the monitor"
run m stop -k -n "$n"
expect_rc 0 "stop -k kills the container without its monitor"
sleep 0.2
gone "$pid" && pass "init $pid is gone" || fail "init $pid survived"
run m info -n "$n"
expect_in "$OUT" "STOPPED" "and it is recorded as stopped"

# ---- start failures leave nothing ----
mounts_before=$(grep -c "$P" /proc/mounts)
run mstart -n "$pfx-u" -s container.init=/sbin/nosuch
expect_rc 1 "start with a missing init fails"
expect_in "$ERR" "executing /sbin/nosuch: No such file or directory" "and names the step and cause"
run mstart -n "$pfx-u" -s container.rootfs=/nonexistent/rootfs
expect_rc 1 "start with a missing rootfs fails"
expect_in "$ERR" "rootfs /nonexistent/rootfs" "and names the rootfs"
chown 0:0 "$P/$pfx-u2/rootfs"
run mstart -n "$pfx-u2"
expect_in "$ERR" "is owned by 0 but [id_map] maps container root to $u2block" "a rootfs owned by the wrong ids is named"
chown "$u2block:$u2block" "$P/$pfx-u2/rootfs"
mkdir -p "$WORK/decoy-target"
ln -sfn "$WORK/decoy-target" "$P/$pfx-u2/rootfs/proc.tmp"; mv "$P/$pfx-u2/rootfs/proc" "$P/$pfx-u2/rootfs/proc.real"; mv "$P/$pfx-u2/rootfs/proc.tmp" "$P/$pfx-u2/rootfs/proc"
run mstart -n "$pfx-u2"
expect_rc 1 "a rootfs whose /proc is a symlink fails to start"
expect_in "$ERR" "symlink" "and says it is a symlink"
rm "$P/$pfx-u2/rootfs/proc"; mv "$P/$pfx-u2/rootfs/proc.real" "$P/$pfx-u2/rootfs/proc"
[ "$(grep -c "$P" /proc/mounts)" = "$mounts_before" ] && pass "failed starts leave no mount" || fail "mounts left: $(grep "$P" /proc/mounts)"
[ ! -e "$(jget "$pfx-u" runtime_dir)/monitor.sock" ] && pass "failed starts leave no socket" || fail "socket left"
run m info -n "$pfx-u"
expect_in "$OUT" "STOPPED" "failed start is recorded as stopped"
# mgr-start returns from a failure only once the monitor is gone: the very
# next command finds the container stopped, never "already starting".
busy=0
for i in $(seq 20); do
  run mstart -n "$pfx-u" -s container.init=/sbin/nosuch
  case $ERR in *"already "*) busy=$((busy + 1)) ;; esac
  st=$(timeout "$T" "$MGR" info -P "$P" -n "$pfx-u" 2>&1 | sed -n 's/^State: *//p')
  [ "$st" = STOPPED ] || busy=$((busy + 1))
done
[ $busy -eq 0 ] && pass "20 failed starts in a row: each returns with the container already STOPPED" \
  || fail "$busy times a failed start returned while its monitor still held the container"
# The monitor keeps none of the caller's fds: a flock(1) around mgr-start is
# free again when mgr-start returns, though the container runs on.
timeout "$T" flock "$WORK/caller.lock" "$MGR" start -P "$P" -n "$pfx-u" >/dev/null 2>&1
timeout 5 flock -n "$WORK/caller.lock" true && pass "a lock the caller held is not kept by the monitor" \
  || fail "the monitor of $pfx-u holds the caller's flock: $(ls -l /proc/"$(jget "$pfx-u" monitor_pid)"/fd 2>&1 | grep caller.lock)"
timeout "$T" "$MGR" stop -k -P "$P" -n "$pfx-u" >/dev/null 2>&1

# ---- an init that dies at once: mgr-start says so, with the console ----
n="$pfx-u"
run mstart -n "$n" -- /bin/sh -c 'echo "boom-$$"; printf "\033]0;title\007\033[31mred\033[0m\n"; exit 3'
expect_rc 1 "mgr-start fails when init exits at once"
expect_in "$ERR" "exited with status 3" "and gives init's exit status"
expect_in "$ERR" "| boom-1" "and the console's last lines"
expect_in "$ERR" "\\x1b]0;title\\x07" "escaped: the container's control characters do not reach the terminal"
expect_not_in "$(m info -n "$n")" "Failed start" "mgr-start's own report is not repeated by mgr-info"
run mstart -n "$n" -- /bin/sh -c 'sleep 1; echo "late-$$"; exit 4'
expect_rc 0 "an init that lives through the start window starts"
for i in $(seq 50); do [ "$(jget "$n" state)" = STOPPED ] && break; sleep 0.1; done
run m info -n "$n"
expect_in "$OUT" "Failed start:  init (pid" "mgr-info shows that it died soon after"
expect_in "$OUT" "exited with status 4" "with its exit status"
expect_in "$OUT" "| late-1" "and the console's last lines"
expect_in "$(m info -n "$n" --format json)" '"last_failure": "init (pid' "and so does its JSON"
run mstart -n "$n"
expect_rc 0 "the next start starts"
expect_in "$ERR" "note: the last run of $n failed: init (pid" "and tells of the last run's failure"
expect_in "$ERR" "exited with status 4" "with its exit status"
m stop -k -n "$n" >/dev/null
expect_not_in "$(m info -n "$n")" "Failed start" "said once, the failure is forgotten"

# ---- destroy ----
mstart -n "$pfx-u" >/dev/null 2>&1
run m destroy -n "$pfx-u"
expect_rc 1 "destroy refuses a running container"
expect_in "$ERR" "use -f" "and names -f"
run m destroy -f -n "$pfx-u"
expect_rc 0 "destroy -f kills and removes it"
[ ! -e "$P/$pfx-u" ] && pass "its folder is gone" || fail "folder left"
mkdir -p "$WORK/outside"; echo keep > "$WORK/outside/precious"
rm -rf "$P/$pfx-u2/rootfs"; ln -s "$WORK/outside" "$P/$pfx-u2/rootfs"
ln -s "$WORK/outside/precious" "$P/$pfx-u2/link-to-file"
run m destroy -n "$pfx-u2"
expect_rc 0 "destroy a container whose rootfs is a symlink"
[ -f "$WORK/outside/precious" ] && pass "destroy did not follow the symlink out" || fail "destroy deleted outside!"
[ ! -e "$P/$pfx-u2" ] && pass "the container is gone" || fail "left"
run m destroy -n "$pfx-p"
expect_rc 0 "destroy a stopped container"

left=$(ps -eo pid=,args= | grep -E -- "-n $pfx-" | grep -v grep)
[ -z "$left" ] && pass "no process left behind" || fail "processes left: $left"
finish
