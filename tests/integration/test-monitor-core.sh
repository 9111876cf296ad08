#!/bin/bash
# The monitor's core: once a container runs, its monitor becomes mgr-init's
# small mgr-monitor (monitor.c, monitor_exec_core; mgr-init.c). What the
# monitor did before must still be done: requests, console, log, stop,
# kill, SIGTERM, freeze, the lock; and what the core hands back to mgr must
# come back: a reboot, an init that fails on its own, cgroups that rmdir
# cannot remove. Hostile clients on the socket must not hurt it.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the integration tests start containers as root"; exit 77; }

export MGR_TEMPLATES_DIR="$MGR_SRCDIR/templates"
P="$WORK/containers"
chmod 755 "$WORK"
# A guard against a hang, not a measure of speed: in the v2 lab (TCG) on a
# loaded host a busybox create took more than 20 s.
T=120
pfx="mc$$"
u="$pfx-u"
m() { local verb=$1; shift; timeout "$T" "$MGR" "$verb" -P "$P" "$@"; }
cleanup() {
  for c in "$P"/*/; do
    [ -d "$c" ] || continue
    timeout 10 "$MGR" destroy -f -P "$P" -n "$(basename "$c")" >/dev/null 2>&1
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

state() { sed -n "s/^$2=//p" "$(rtdir "$1")/state" 2>/dev/null; }
# The runtime folder, as mgr-info tells it (it is not /run/mgr under
# distcheck's prefix), asked once per container.
declare -A RT
rtdir() {
  [ -n "${RT[$1]:-}" ] || RT[$1]=$(timeout "$T" "$MGR" info -P "$P" -n "$1" --format json 2>/dev/null \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["runtime_dir"])' 2>/dev/null)
  echo "${RT[$1]}"
}
comm() { cat "/proc/$1/comm" 2>/dev/null; }
# until_comm PID NAME: the monitor's program name becomes NAME (the core
# takes over at the monitor's next turn after mgr-start's answer).
until_comm() { for _ in $(seq 600); do [ "$(comm "$1")" = "$2" ] && return 0; sleep 0.05; done; return 1; }
until_state() { for _ in $(seq 1200); do [ "$(state "$1" state)" = "$2" ] && return 0; sleep 0.05; done; return 1; }
# ask NAME REQUEST: one line to the monitor's socket, its answer.
ask() {
  python3 - "$(rtdir "$1")/monitor.sock" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(30)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
try:
    print(s.recv(4096).decode(errors="replace").strip())
except socket.timeout:
    print("(no answer)")
PY
}
# console_text NAME TEXT: the console's history, once it holds TEXT. mgr-console
# does not end by itself: it is cut after 3 s, and again with more time
# while TEXT is missing (a loaded emulated VM may take longer to print it).
console_text() {
  local t h
  for t in 3 10 30; do
    h=$(timeout "$t" "$MGR" console -P "$P" -n "$1" </dev/null 2>/dev/null | tr -d '\r')
    case $h in *"$2"*) break ;; esac
  done
  printf '%s\n' "$h"
}
# start_as CORE INIT: a start with MGR_MONITOR_CORE=CORE and that init; the
# monitor's pid in $mon, once it is mgr-monitor when CORE is 1.
start_as() {
  MGR_MONITOR_CORE=$1 timeout "$T" "$MGR" start -P "$P" -n "$u" -s "container.init=$2" >/dev/null 2>&1
  mon=$(state "$u" monitor_pid)
  [ "$1" = 1 ] && until_comm "$mon" mgr-monitor
}
cgdirs() { find /sys/fs/cgroup -maxdepth 4 -type d -name "$1-????????" 2>/dev/null; }

run m create -n "$u" -t busybox
expect_rc 0 "create a user-namespaced busybox container"
run m create -n "$pfx-p" -t busybox --privileged
expect_rc 0 "create a privileged busybox container"
# Their runtime folders, asked here in this shell so that the $(...) of
# every later state read finds them known.
rtdir "$u" >/dev/null; rtdir "$pfx-p" >/dev/null
[ -n "${RT[$u]}" ] && [ -n "${RT[$pfx-p]}" ] && pass "mgr-info tells their runtime folders" || fail "runtime folders: '${RT[$u]}' '${RT[$pfx-p]}'"

# ---- the core takes over, and does what the monitor did ----
run m start -n "$u"
expect_rc 0 "start"
mon=$(state "$u" monitor_pid)
init=$(state "$u" init_pid)
until_comm "$mon" mgr-monitor && pass "the monitor (pid $mon) became mgr-monitor" || fail "the monitor is '$(comm "$mon")'"
exe=$(readlink "/proc/$mon/exe")
expect_in "$exe" "memfd:mgr-init" "mgr-monitor runs from mgr-init's sealed memfd"
[ "$(state "$u" monitor_pid)" = "$mon" ] && [ "$(awk '{print $4}' "/proc/$init/stat")" = "$mon" ] \
  && pass "same pid, still init's parent" || fail "monitor $(state "$u" monitor_pid), init's parent $(awk '{print $4}' "/proc/$init/stat")"
expect_in "$(ask "$u" state)" "state=RUNNING pid=$init " "the state request is answered"
expect_in "$(ask "$u" bogus)" "error unknown request" "an unknown request is refused"
run m start -n "$u"
expect_rc 1 "a second start is refused: the lock is still held"
expect_in "$ERR" "already running" "  and says it is running"
run m attach -n "$u" -- /bin/sh -c 'echo marker-$((6*7)) > /dev/console'
expect_rc 0 "attach (init's pidfd from the core)"
hist=$(console_text "$u" marker-42)
expect_in "$hist" "$u is up" "the console's history from before the core is kept"
expect_in "$hist" "marker-42" "output after it goes into the history"
run m info -n "$u"
expect_in "$OUT" "RUNNING" "mgr-info: RUNNING"

# Hostile clients: an overlong line, an fd passed along, a client that
# connects and says nothing. The core stays, and keeps no fd of theirs.
nfd=$(ls "/proc/$mon/fd" | wc -l)
python3 - "$(rtdir "$u")/monitor.sock" <<'PY'
import os, socket, sys
p = sys.argv[1]
a = socket.socket(socket.AF_UNIX); a.connect(p); a.sendall(b"x" * 5000)
b = socket.socket(socket.AF_UNIX); b.connect(p)
r, w = os.pipe()
for _ in range(3):
    b.sendmsg([b"mounts\n"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, bytes(memoryview(__import__("array").array("i", [r, w]))))])
c = socket.socket(socket.AF_UNIX); c.connect(p)
import time; time.sleep(0.3)
a.close(); b.close(); c.close()
PY
# The core closes what they left once it has run: up to a minute for that.
until_fds() { for _ in $(seq 1200); do [ "$(ls "/proc/$1/fd" 2>/dev/null | wc -l)" -le "$2" ] && return 0; sleep 0.05; done; return 1; }
until_fds "$mon" "$nfd"
[ "$(comm "$mon")" = mgr-monitor ] && pass "hostile clients: mgr-monitor is still there" || fail "the monitor is '$(comm "$mon")'"
[ "$(ls "/proc/$mon/fd" | wc -l)" -le "$nfd" ] && pass "  and holds no fd they sent ($(ls "/proc/$mon/fd" | wc -l) <= $nfd)" \
  || fail "fds: $(ls "/proc/$mon/fd" | wc -l) > $nfd"
expect_in "$(ask "$u" state)" "state=RUNNING" "  and answers"

# Hundreds of clients that connect and say nothing: mgr-monitor keeps 256
# at most, and the oldest idle one makes room for a new client, so that
# requests (mgr-stop's) are still heard, as by the full monitor.
out=$(python3 - "$(rtdir "$u")/monitor.sock" <<'PY'
import socket, sys, time
p = sys.argv[1]
idle = []
for _ in range(300):
    s = socket.socket(socket.AF_UNIX); s.connect(p); idle.append(s)
time.sleep(0.3)
q = socket.socket(socket.AF_UNIX); q.settimeout(30); q.connect(p); q.sendall(b"state\n")
try:
    print(q.recv(4096).decode(errors="replace").strip())
except Exception as e:
    print("(no answer: %s)" % e)
PY
)
expect_in "$out" "state=RUNNING" "300 idle clients: a new client's request is still answered"
until_fds "$mon" "$nfd"
[ "$(comm "$mon")" = mgr-monitor ] && [ "$(ls "/proc/$mon/fd" | wc -l)" -le "$nfd" ] \
  && pass "  mgr-monitor is still there, with no fd of theirs left" || fail "monitor '$(comm "$mon")', $(ls "/proc/$mon/fd" | wc -l) fds > $nfd"

# ---- freeze, then stop ----
run m freeze -n "$u"
expect_rc 0 "freeze"
run m stop -n "$u" -t 5
expect_rc 0 "stop a frozen container (the core thaws it)"
[ "$(state "$u" state)" = STOPPED ] && pass "STOPPED saved by the core" || fail "state $(state "$u" state)"
[ -z "$(cgdirs "$u")" ] && pass "no cgroup left" || fail "left: $(cgdirs "$u")"
[ ! -e "$(rtdir "$u")/monitor.sock" ] && pass "the socket is removed" || fail "monitor.sock is still there"
for _ in $(seq 600); do [ -d "/proc/$mon" ] || break; sleep 0.05; done
[ ! -d "/proc/$mon" ] && pass "the core has exited" || fail "pid $mon is still there"
run m start -n "$u"
expect_rc 0 "it starts again (the lock was released)"

# ---- SIGTERM to the monitor stops the container ----
mon=$(state "$u" monitor_pid)
until_comm "$mon" mgr-monitor
kill -TERM "$mon"
until_state "$u" STOPPED && pass "SIGTERM to mgr-monitor stops the container" || fail "state $(state "$u" state)"

# ---- a stop that times out is a kill, and says so ----
printf '#!/bin/sh\ntrap "" TERM USR1 USR2 HUP INT\nwhile :; do sleep 1; done\n' > "$P/$u/rootfs/sbin/stubborn"
chmod 755 "$P/$u/rootfs/sbin/stubborn"
chown --reference="$P/$u/rootfs/sbin/init" "$P/$u/rootfs/sbin/stubborn" 2>/dev/null
run m start -n "$u" -s container.init=/sbin/stubborn -s container.stop.signal=SIGTERM
expect_rc 0 "start an init that ignores its stop signal"
mon=$(state "$u" monitor_pid)
until_comm "$mon" mgr-monitor && pass "  its monitor became mgr-monitor" || fail "the monitor is '$(comm "$mon")'"
run m stop -n "$u" -t 1
expect_in "$ERR" "was killed with SIGKILL" "mgr-stop -t 1 says init had to be killed (the core's reply)"
[ "$(state "$u" state)" = STOPPED ] && [ -z "$(cgdirs "$u")" ] && pass "  STOPPED, no cgroup left" || fail "state $(state "$u" state), cgroups: $(cgdirs "$u")"

# A container that puts its console in raw mode and never reads it, and
# a console client that types on: the pty fills up (64 KB), and what more
# is typed is dropped; the monitor does not wait in write(), so it still
# answers, and mgr-stop still stops it. The full monitor too.
printf '#!/bin/sh\ntrap "exit 0" TERM USR1 USR2 HUP INT PWR\nstty raw -echo\nwhile :; do sleep 1; done\n' > "$P/$u/rootfs/sbin/rawidle"
chmod 755 "$P/$u/rootfs/sbin/rawidle"
for core in 1 0; do
  start_as $core /sbin/rawidle
  out=$(python3 - "$(rtdir "$u")/monitor.sock" <<'PY'
import socket, sys, time
p = sys.argv[1]
s = socket.socket(socket.AF_UNIX); s.connect(p); s.sendall(b"console\n")
s.setblocking(False)
sent, t0 = 0, time.time()
while time.time() - t0 < 1.5:
    try:
        sent += s.send(b"y" * 65536)
    except BlockingIOError:
        time.sleep(0.01)
    try:
        while s.recv(65536): pass
    except BlockingIOError:
        pass
q = socket.socket(socket.AF_UNIX); q.settimeout(30); q.connect(p); q.sendall(b"state\n")
try:
    print("sent %d; %s" % (sent, q.recv(4096).decode(errors="replace").strip()))
except Exception as e:
    print("sent %d; (no answer: %s)" % (sent, e))
PY
)
  expect_in "$out" "state=RUNNING" "MGR_MONITOR_CORE=$core: console input the container never reads: the monitor still answers ($out)"
  run m stop -n "$u" -t 5
  expect_rc 0 "  and mgr-stop stops it"
  [ "$(state "$u" state)" = STOPPED ] || m stop -k -n "$u" >/dev/null 2>&1
done

# state.next made a folder, or a FIFO, while mgr-monitor runs (the runtime
# folder is root's: robustness): the states are still saved, as
# mgr_runtime_write_status does (a file of a name of its own, renamed over
# the state), and no temporary file is left.
for kind in folder fifo; do
  run m start -n "$u"
  mon=$(state "$u" monitor_pid)
  until_comm "$mon" mgr-monitor
  rt=$(rtdir "$u")
  rm -f "$rt/state.next"
  if [ $kind = folder ]; then mkdir "$rt/state.next" && touch "$rt/state.next/x"; else mkfifo "$rt/state.next"; fi
  run m stop -n "$u" -t 5
  expect_rc 0 "state.next a $kind: mgr-stop"
  [ "$(state "$u" state)" = STOPPED ] && pass "  STOPPED saved by mgr-monitor" || fail "state.next a $kind: state $(state "$u" state)"
  left=$(ls "$rt" | grep -E '^state\.[0-9a-z]{6}$')
  [ -z "$left" ] && pass "  no temporary state file left" || fail "left: $left"
  rm -rf "$rt/state.next"
  [ "$(state "$u" state)" = STOPPED ] || m stop -k -n "$u" >/dev/null 2>&1
done

# A paste bigger than the pty holds (64 KB), into a program that reads it
# late: the monitor takes from the client what the pty has room for, and
# the rest when it has (it waits for neither: it still answers), so all of
# it arrives. Both monitors.
printf '#!/bin/sh\ntrap "exit 0" TERM USR1 USR2 HUP INT PWR\nstty raw -echo\nsleep 2\nhead -c 300000 > /got.tmp\nmv /got.tmp /got\nwhile :; do sleep 1; done\n' > "$P/$u/rootfs/sbin/slowread"
chmod 755 "$P/$u/rootfs/sbin/slowread"
for core in 1 0; do
  rm -f "$P/$u/rootfs/got" "$P/$u/rootfs/got.tmp"
  start_as $core /sbin/slowread
  out=$(python3 - "$(rtdir "$u")/monitor.sock" <<'PY'
import socket, sys, threading
p = sys.argv[1]
s = socket.socket(socket.AF_UNIX); s.connect(p); s.sendall(b"console\n")
def drain():
    try:
        while s.recv(65536): pass
    except OSError:
        pass
threading.Thread(target=drain, daemon=True).start()
s.settimeout(60)
s.sendall(b"z" * 300000)
q = socket.socket(socket.AF_UNIX); q.settimeout(10); q.connect(p); q.sendall(b"state\n")
print(q.recv(4096).decode(errors="replace").strip())
PY
)
  expect_in "$out" "state=RUNNING" "MGR_MONITOR_CORE=$core: a 300 KB paste into a slow reader is taken, and the monitor answers"
  for _ in $(seq 200); do [ -e "$P/$u/rootfs/got" ] && break; sleep 0.1; done
  got=$(stat -c %s "$P/$u/rootfs/got" "$P/$u/rootfs/got.tmp" 2>/dev/null | head -1)
  [ "${got:-0}" = 300000 ] && pass "  all of it arrived" || fail "  $got of 300000 bytes arrived"
  run m stop -n "$u" -t 5
  [ "$(state "$u" state)" = STOPPED ] || m stop -k -n "$u" >/dev/null 2>&1
done

# ---- what the core hands back ----
# A reboot: mgr starts the container again in the same monitor, which
# becomes mgr-monitor again.
run m start -n "$u"
mon=$(state "$u" monitor_pid)
init=$(state "$u" init_pid)
until_comm "$mon" mgr-monitor
run m attach -n "$u" -- /bin/busybox reboot -f
for _ in $(seq 1200); do i=$(state "$u" init_pid); [ -n "$i" ] && [ "$i" != 0 ] && [ "$i" != "$init" ] && [ "$(state "$u" state)" = RUNNING ] && break; sleep 0.05; done
[ "$(state "$u" state)" = RUNNING ] && [ "$(state "$u" init_pid)" != "$init" ] && [ "$(state "$u" monitor_pid)" = "$mon" ] \
  && pass "a reboot under mgr-monitor: running again (init $init -> $(state "$u" init_pid)), same monitor" \
  || fail "after reboot: $(tr '\n' ' ' < "$(rtdir "$u")/state")"
hist=$(console_text "$u" "the container rebooted")
expect_in "$hist" "the container rebooted" "  the console says so"
until_comm "$mon" mgr-monitor && pass "  and the monitor becomes mgr-monitor again" || fail "the monitor is '$(comm "$mon")'"
run m attach -n "$u" -- /bin/true
expect_rc 0 "  attach after the reboot"

# Many -s overrides: mgr-monitor passes every one back at a reboot (it
# kept 191 arguments, and the container rebooted with the 160th override).
# The same container stays running for the checks below.
run m stop -k -n "$u"
ovr=()
for i in $(seq 200); do ovr+=(-s "container.environment=ATK=v$i"); done
run m start -n "$u" "${ovr[@]}"
expect_rc 0 "start with 200 -s overrides"
mon=$(state "$u" monitor_pid)
init=$(state "$u" init_pid)
until_comm "$mon" mgr-monitor
run m attach -n "$u" -- /bin/busybox reboot -f
for _ in $(seq 1200); do i=$(state "$u" init_pid); [ -n "$i" ] && [ "$i" != 0 ] && [ "$i" != "$init" ] && [ "$(state "$u" state)" = RUNNING ] && break; sleep 0.05; done
run m attach -n "$u" -- /bin/sh -c 'tr "\0" "\n" < /proc/1/environ | grep ^ATK='
expect_in "$OUT" "ATK=v200" "  after a reboot, init has the last override still"
until_comm "$mon" mgr-monitor

# Cgroups that rmdir alone cannot remove (made inside, as systemd does in
# its delegated subtree, or by another process): mgr removes them.
for d in $(cgdirs "$u"); do mkdir "$d/extra-$pfx"; done
[ -n "$(cgdirs "$u")" ] && pass "cgroups made inside the container's" || fail "no cgroup found for $u"
run m stop -k -n "$u"
expect_rc 0 "stop -k"
for _ in $(seq 600); do [ -z "$(cgdirs "$u")" ] && break; sleep 0.05; done
[ -z "$(cgdirs "$u")" ] && pass "  no cgroup left, not even those made inside" || fail "left: $(cgdirs "$u")"
[ "$(state "$u" state)" = STOPPED ] && pass "  STOPPED" || fail "state $(state "$u" state)"

# An init that fails on its own after the start: why is recorded, as
# before, for mgr-info and the next mgr-start.
# It fails when told (a file appears), not after a fixed time: under
# emulation the start alone may take longer than any such time.
printf '#!/bin/sh\necho about to fail\nwhile [ ! -e /fail-now ]; do sleep 1; done\nexit 3\n' > "$P/$u/rootfs/sbin/fail3"
chmod 755 "$P/$u/rootfs/sbin/fail3"
rm -f "$P/$u/rootfs/fail-now"
run m start -n "$u" -s container.init=/sbin/fail3
expect_rc 0 "start an init that fails once told to"
mon=$(state "$u" monitor_pid)
until_comm "$mon" mgr-monitor && pass "  its monitor became mgr-monitor" || fail "the monitor is '$(comm "$mon")'"
touch "$P/$u/rootfs/fail-now"
until_state "$u" STOPPED && pass "  it stops" || fail "state $(state "$u" state)"
last=$(cat "$(rtdir "$u")/last-exit" 2>/dev/null)
expect_in "$last" "exited with status 3" "  last-exit says how init ended"
expect_in "$last" "about to fail" "  with the console's last lines"
[ -z "$(cgdirs "$u")" ] && pass "  no cgroup left" || fail "left: $(cgdirs "$u")"

# A reboot once the seccomp profile no longer compiles: mgr cannot start
# the container again, and says so; the resumed monitor still records how
# init ended, removes the cgroups and the socket and saves STOPPED (it
# exited at once, leaving all of them and RUNNING).
cp "${MGR_SECCOMP_DIR:-$MGR_SRCDIR/config/seccomp}/default.profile" "$WORK/broken.profile"
run m start -n "$u" -s seccomp.profile="$WORK/broken.profile"
expect_rc 0 "start with a seccomp profile of its own"
mon=$(state "$u" monitor_pid)
until_comm "$mon" mgr-monitor
echo "not a profile (" > "$WORK/broken.profile"
run m attach -n "$u" -- /bin/busybox reboot -f
until_state "$u" STOPPED && pass "  a reboot once it no longer compiles: STOPPED" || fail "state $(state "$u" state)"
expect_in "$(cat "$(rtdir "$u")/last-exit" 2>/dev/null)" "not started again: [seccomp] profile" "  last-exit says why it was not started again"
for _ in $(seq 1200); do [ -d "/proc/$mon" ] || break; sleep 0.05; done
[ ! -d "/proc/$mon" ] && [ -z "$(cgdirs "$u")" ] && [ ! -e "$(rtdir "$u")/monitor.sock" ] \
  && pass "  the monitor has exited, leaving no cgroup and no socket" || fail "monitor '$(comm "$mon")', cgroups: $(cgdirs "$u"), socket: $(ls "$(rtdir "$u")")"
[ "$(state "$u" state)" = STOPPED ] || m stop -k -n "$u" >/dev/null 2>&1

# A stop read in the same turn as init's end in a reboot (the monitor is
# held with SIGSTOP while init reboots and the request comes): the stop
# wins, the container is not started again, and mgr-stop's client gets
# its answer. It was lost: the client waited for ever and the container
# rebooted. Both monitors.
printf '#!/bin/sh\ntrap "exit 0" TERM USR2\nrm -f /trigger\nwhile [ ! -e /trigger ]; do sleep 0.1; done\nreboot -f\n' > "$P/$u/rootfs/sbin/trig"
chmod 755 "$P/$u/rootfs/sbin/trig"
for core in 1 0; do
  start_as $core /sbin/trig
  out=$(python3 - "$(rtdir "$u")/monitor.sock" "$mon" "$(state "$u" init_pid)" "$P/$u/rootfs/trigger" <<'PY'
import os, signal, socket, sys, time
sock, mon, init, trig = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
c = socket.socket(socket.AF_UNIX); c.connect(sock)
c.sendall(b"state\n"); c.recv(100)
os.kill(mon, signal.SIGSTOP)
try:
    open(trig, "w").close()
    for _ in range(1200):
        try:
            st = open("/proc/%d/stat" % init).read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            st = "gone"
        if st in ("Z", "gone"):
            break
        time.sleep(0.05)
    c.sendall(b"stop 5000\n")
finally:
    os.kill(mon, signal.SIGCONT)
c.settimeout(60)
try:
    print("init %s; %s" % (st, c.recv(100).decode(errors="replace").strip()))
except socket.timeout:
    print("init %s; (no answer in 60 s)" % st)
PY
)
  expect_in "$out" "stopped" "MGR_MONITOR_CORE=$core: a stop that comes as init reboots is answered ($out)"
  until_state "$u" STOPPED && pass "  and the container is not started again" || fail "state $(state "$u" state)"
  [ "$(state "$u" state)" = STOPPED ] || m stop -k -n "$u" >/dev/null 2>&1
done

# ---- containers that keep the full monitor ----
# A request answered means the monitor's loop has turned since the start's
# answer: a monitor that were to become mgr-monitor has by then.
run m start -n "$pfx-p"
pmon=$(state "$pfx-p" monitor_pid)
ask "$pfx-p" state >/dev/null
[ -n "$(comm "$pmon")" ] && [ "$(comm "$pmon")" != mgr-monitor ] && pass "a privileged container (mediated mount calls) keeps the full monitor" \
  || fail "privileged monitor: '$(comm "$pmon")'"
run m stop -k -n "$pfx-p"
MGR_MONITOR_CORE=0 timeout "$T" "$MGR" start -P "$P" -n "$u" >/dev/null 2>&1
mon=$(state "$u" monitor_pid)
ask "$u" state >/dev/null
[ -n "$(comm "$mon")" ] && [ "$(comm "$mon")" != mgr-monitor ] && pass "MGR_MONITOR_CORE=0 keeps the full monitor" || fail "monitor: '$(comm "$mon")'"
run m stop -k -n "$u"

finish
