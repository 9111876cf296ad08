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
TM="sec$$tty" # the private tmux server of the terminal tests below
# The compiled seccomp filters' cache of this run (checked at the end).
export MGR_SECCOMP_CACHE="$WORK/seccomp-cache"
cleanup() {
  command tmux -L "$TM" kill-server 2>/dev/null
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

# ---- the administrator's terminal ----
# A real terminal: a private tmux server whose only pane runs an interactive
# shell, standing for the administrator's. mgr is typed into that shell; the
# probe inside reports which terminal its fds 0-2 and /dev/tty are and
# pushes "touch pwned-..." into each as typed input (TIOCSTI). Whatever
# reaches the shell's terminal is run by the shell once mgr returns, so a
# file that appears is a command the container typed into the host.
command -v tmux >/dev/null || { echo "SKIP: tmux is missing (quickstart.sh installs it)"; exit 77; }
tm() { command tmux -L "$TM" "$@"; }
trap 'exit 130' INT
trap 'exit 143' TERM HUP
wait_file() { for _ in $(seq 300); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
tmux_start "$TM" -s main -x 200 -y 50 "bash --norc --noprofile -i"
CALLER=$(stat -L -c 'dev=%Hd:%Ld rdev=%Hr:%Lr' "$(tm display -p -t main '#{pane_tty}')")
# in_shell TAG LINE: types LINE into the shell and waits until it ran, and
# until the shell has read whatever was pushed into its terminal meanwhile.
in_shell() {
  tm send-keys -t main "$2; touch $WORK/done-$1" Enter
  wait_file "$WORK/done-$1" || fail "$1: the shell did not finish: $(tm capture-pane -p -t main | grep . | tail -4)"
  tm send-keys -t main "touch $WORK/sync-$1" Enter
  wait_file "$WORK/sync-$1" || fail "$1: the shell is stuck: $(tm capture-pane -p -t main | grep . | tail -4)"
}
# The harness sees an injection: the probe run by the shell itself, on the host.
in_shell control "$PROBE tiocsti $WORK/control.out 'touch $WORK/pwned-control'"
[ -e "$WORK/pwned-control" ] && pass "control: TIOCSTI on the caller's terminal runs a command in the caller's shell" \
  || fail "control: the probe's injection did not reach the shell ($(cat "$WORK/control.out"))"
expect_in "$(cat "$WORK/control.out")" "TTY fd0 $CALLER" "control: the probe sees the caller's terminal as $CALLER"

tty_case() { # KIND NAME VERB pipe|tty|none
  local kind=$1 n=$2 verb=$3 how=$4 tag="$1-$3-$4" redir="" report
  case $how in
    pipe) redir="| cat" ;;
    none) redir="</dev/null >/dev/null 2>&1" ;;
  esac
  rm -f "$P/$n/rootfs/tty.out"
  in_shell "$tag" "$MGR $verb -P $P -n $n -- /probe tiocsti /tty.out 'touch $WORK/pwned-$tag' $redir"
  report=$(cat "$P/$n/rootfs/tty.out" 2>/dev/null)
  [ -n "$report" ] || { fail "[$kind] $verb ($how): the probe did not run: $(tm capture-pane -p -t main | grep . | tail -4)"; return; }
  expect_not_in "$report" "$CALLER" "[$kind] $verb ($how): no fd inside, /dev/tty included, is the caller's terminal"
  [ ! -e "$WORK/pwned-$tag" ] && pass "[$kind] $verb ($how): TIOCSTI from inside does not reach the caller's shell" \
    || fail "[$kind] $verb ($how): the container typed a command into the caller's shell: $report"
  case $how in
    pipe) expect_in "$report" "TTY fd1 none" "[$kind] $verb ($how): the pipe on fd 1 is passed as it is"
          expect_in "$report" "TTY fd0 dev=" "[$kind] $verb ($how): fd 0 is a terminal of the container's own"
          expect_in "$report" "TTY fd2 dev=" "[$kind] $verb ($how): fd 2 is a terminal of the container's own" ;;
    tty) expect_in "$report" "TTY devtty dev=" "[$kind] $verb ($how): the pty is the command's controlling terminal" ;;
    none) expect_in "$report" "TTY devtty none ENXIO" "[$kind] $verb ($how): no terminal at all, not even through /dev/tty" ;;
  esac
}

tty_settings() { # KIND NAME VERB: the container changes its terminal's settings, not the caller's
  local kind=$1 n=$2 verb=$3 before after
  # In a non-interactive shell: an interactive one restores its terminal
  # after some jobs itself, which would hide a change.
  in_shell "$kind-$verb-stty" "bash -c 'stty -g > $WORK/stty-before; $MGR $verb -P $P -n $n -- stty -echo -icanon cols 33 | cat; stty -g > $WORK/stty-after'"
  before=$(cat "$WORK/stty-before"); after=$(cat "$WORK/stty-after")
  [ -n "$before" ] && [ "$before" = "$after" ] && pass "[$kind] $verb: stty inside leaves the caller's terminal as it was" \
    || fail "[$kind] $verb: the caller's terminal changed: $before -> $after"
}

tty_signal() { # KIND NAME: mgr-attach killed by a signal leaves the terminal cooked
  local kind=$1 n=$2 pid
  tm send-keys -t main "bash -c 'stty -g > $WORK/stty-sig-before; $MGR attach -P $P -n $n -- sleep 37; stty -g > $WORK/stty-sig-after'; touch $WORK/done-$kind-sig" Enter
  for _ in $(seq 100); do pid=$(pgrep -o -f "^$MGR attach -P $P -n $n -- sleep 37"); [ -n "$pid" ] && break; sleep 0.1; done
  sleep 0.5
  [ -n "$pid" ] && kill -TERM "$pid"
  wait_file "$WORK/done-$kind-sig"
  [ "$(cat "$WORK/stty-sig-before")" = "$(cat "$WORK/stty-sig-after" 2>/dev/null)" ] \
    && pass "[$kind] mgr-attach ended by SIGTERM restores the caller's terminal" \
    || fail "[$kind] the terminal stayed raw after SIGTERM: $(cat "$WORK/stty-sig-before") -> $(cat "$WORK/stty-sig-after" 2>&1)"
  # mgr-console the same: raw while attached, cooked after a SIGTERM.
  tm send-keys -t main "bash -c 'stty -g > $WORK/stty-con-before; $MGR console -P $P -n $n; stty -g > $WORK/stty-con-after'; touch $WORK/done-$kind-con" Enter
  pid=""
  for _ in $(seq 100); do pid=$(pgrep -o -f "^$MGR console -P $P -n $n"); [ -n "$pid" ] && break; sleep 0.1; done
  sleep 0.5
  [ -n "$pid" ] && kill -TERM "$pid"
  wait_file "$WORK/done-$kind-con"
  [ "$(cat "$WORK/stty-con-before")" = "$(cat "$WORK/stty-con-after" 2>/dev/null)" ] \
    && pass "[$kind] mgr-console ended by SIGTERM restores the caller's terminal" \
    || fail "[$kind] the terminal stayed raw after mgr-console's SIGTERM: $(cat "$WORK/stty-con-after" 2>&1)"
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

  # mgr-execute's PID 1 gives nothing of the host away: not mgr's binary
  # (compared by device and inode), not the caller's environment (a marker
  # set here), and it cannot be traced.
  run env MGR_SECRET_MARKER=host-secret timeout "$T" "$MGR" execute -P "$P" -n "$n" -- /probe init MGR_SECRET_MARKER=
  expect_in "$OUT" "PROBE init-ptrace" "[$kind] execute: the PID 1 probe ran"
  expect_not_in "$OUT" "init-exe-read info $(stat -L -c '%d:%i' "$MGR")" "[$kind] execute: /proc/1/exe is not the host's mgr binary"
  expect_in "$OUT" "PROBE init-exe-write blocked" "[$kind] execute: /proc/1/exe cannot be opened for writing"
  expect_not_in "$OUT" "init-environ ALLOWED" "[$kind] execute: /proc/1/environ holds nothing of the caller's environment"
  expect_in "$OUT" "PROBE init-ptrace blocked" "[$kind] execute: PID 1 cannot be traced from inside"

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

  # ---- the caller's terminal: never inside ----
  m start -n "$n" >/dev/null
  for how in pipe tty none; do tty_case "$kind" "$n" attach $how; done
  tty_settings "$kind" "$n" attach
  tty_signal "$kind" "$n"

  # mgr-attach's command is born inside and is mgr until it executes: the
  # probe waits on the next pid and attaches the moment it exists (a
  # privileged root keeps sys_ptrace). It must find no capability beyond the
  # container's, not the caller's environment, not the host's binary.
  # The probe must win a race of ~0.1 ms: on a loaded host it may need many
  # tries (up to 25 attaches in its 30 s), and one that never won is ended
  # before the next probe, whose catch it would otherwise take.
  rm -f "$P/$n/rootfs/race.out"
  m attach -n "$n" -- sh -c '/probe race MGR_SECRET_MARKER= 30 /race.out </dev/null >/dev/null 2>&1 & echo $! > /race.pid'
  sleep 0.5
  for _ in $(seq 25); do
    MGR_SECRET_MARKER=host-secret m attach -n "$n" -- true
    [ -s "$P/$n/rootfs/race.out" ] && break
    sleep 0.3
  done
  m attach -n "$n" -- sh -c 'kill -9 $(cat /race.pid) 2>/dev/null; true'
  wait_file "$P/$n/rootfs/race.out"; sleep 0.2
  race=$(cat "$P/$n/rootfs/race.out" 2>&1)
  [ $kind = p ] && expect_in "$race" "RACE caught" "[$kind] attach: a root inside with sys_ptrace catches the command before its exec"
  expect_not_in "$race" "BEYOND-OURS" "[$kind] attach: the command before its exec holds no capability beyond the container's"
  expect_not_in "$race" "HAS-MARKER" "[$kind] attach: nor the caller's environment"
  expect_not_in "$race" "exe $(stat -L -c '%d:%i' "$MGR")" "[$kind] attach: nor the host's binary (a sealed copy runs)"

  # CVE-2019-5736 by the front door: the command the caller names is a
  # "#!/proc/self/exe" script, so its exec runs whatever its parent ran.
  # The rootfs gets mgr's dynamic loader and libraries, so that mgr itself
  # would run there if it were that parent; the probe stops the command
  # right after that exec, keeps its executable open, kills it, and opens
  # the file for writing once nothing runs it.
  for lib in $(ldd "$MGR" | grep -o '/[^ ]*'); do
    mkdir -p "$P/$n/rootfs$(dirname "$lib")" && cp -L "$lib" "$P/$n/rootfs$lib"
  done
  printf '#!/proc/self/exe\n' > "$P/$n/rootfs/selfexe"; chmod 755 "$P/$n/rootfs/selfexe"
  rm -f "$P/$n/rootfs/selfexe.out"
  m attach -n "$n" -- sh -c '/probe selfexe 30 /selfexe.out </dev/null >/dev/null 2>&1 & echo $! > /selfexe.pid'
  sleep 0.5
  for _ in $(seq 25); do
    m attach -n "$n" -- /selfexe >/dev/null 2>&1
    [ -s "$P/$n/rootfs/selfexe.out" ] && break
    sleep 0.3
  done
  for _ in $(seq 300); do grep -q ' write \| none\| ended' "$P/$n/rootfs/selfexe.out" 2>/dev/null && break; sleep 0.1; done
  m attach -n "$n" -- sh -c 'kill -9 $(cat /selfexe.pid) 2>/dev/null; true' 
  selfexe=$(cat "$P/$n/rootfs/selfexe.out" 2>&1)
  expect_in "$selfexe" "SELFEXE caught pid" "[$kind] attach: a root inside catches a '#!/proc/self/exe' command"
  expect_in "$selfexe" ", write " "[$kind] attach: ... and follows it through that exec"
  expect_not_in "$selfexe" "exe $(stat -L -c '%d:%i' "$MGR")," "[$kind] attach: what it then runs is not the host's mgr"
  expect_not_in "$selfexe" "write ALLOWED" "[$kind] attach: ... nor anything it may write"
  m stop -k -n "$n" >/dev/null
  for how in pipe tty none; do tty_case "$kind" "$n" execute $how; done
  tty_settings "$kind" "$n" execute
  # A start hook is a program of the container's too, and runs before init.
  rm -f "$P/$n/rootfs/hook.out"
  in_shell "$kind-hook" "$MGR execute -P $P -n $n -s 'hooks.start=/probe tiocsti /hook.out :>$WORK/pwned-$kind-hook' -- true </dev/null >/dev/null 2>&1"
  expect_in "$(cat "$P/$n/rootfs/hook.out" 2>&1)" "TTY devtty none ENXIO" "[$kind] a start hook has no terminal, not even through /dev/tty"
  [ ! -e "$WORK/pwned-$kind-hook" ] && pass "[$kind] a start hook cannot type into the caller's shell" \
    || fail "[$kind] a start hook typed a command into the caller's shell"
  in_shell "$kind-rc" "$MGR execute -P $P -n $n -- sh -c 'exit 7' </dev/null | cat; echo \${PIPESTATUS[0]} > $WORK/rc-$kind-pipe; $MGR execute -P $P -n $n -- sh -c 'exit 9'; echo \$? > $WORK/rc-$kind-tty"
  [ "$(cat "$WORK/rc-$kind-pipe" "$WORK/rc-$kind-tty" 2>/dev/null | tr '\n' ' ')" = "7 9 " ] \
    && pass "[$kind] execute returns the command's status through the relay (7 with | cat, 9 on the terminal)" \
    || fail "[$kind] execute status: $(cat "$WORK/rc-$kind-pipe" "$WORK/rc-$kind-tty" 2>&1)"
done

# ---- mediated mounts (privileged) ----
# A privileged container's mount calls are performed by its monitor when
# safe and refused otherwise: for init's descendants (execute) and for
# attached commands alike.
n="$pfx-p"
script='mkdir -p /tmp/t /mnt
mount -t tmpfs -o size=1m,mode=700 tmpfs /tmp/t && echo data > /tmp/t/f && grep -q " /tmp/t tmpfs " /proc/mounts && umount /tmp/t && echo TMPFS-OK
mount -t mqueue mq /mnt && ls /mnt | tr "\n" " " && echo MQUEUE-OK && umount /mnt
mount -t proc proc /mnt 2>/dev/null || echo PROC-REFUSED
mount -t sysfs sysfs /mnt 2>/dev/null || echo SYSFS-REFUSED
mount -o remount,rw /proc/sys 2>/dev/null || echo REMOUNT-REFUSED
mount -o remount,bind,rw /proc/sys 2>/dev/null || echo BIND-REMOUNT-REFUSED
umount /proc/timer_list 2>/dev/null || echo UMOUNT-MASK-REFUSED
umount -l /proc/sys 2>/dev/null || echo UMOUNT-PROC-SYS-REFUSED
mount -o remount,bind,ro /proc/sys && echo KEEP-RO-OK
mkdir -p /tmp/b && mount --bind /tmp/b /mnt && umount /mnt && echo BIND-OK
mount --make-unbindable /proc/sys 2>/dev/null || echo UNBINDABLE-REFUSED
mount --make-runbindable / 2>/dev/null || echo RUNBINDABLE-ROOT-REFUSED
mkdir -p /tmp/x && mount --rbind /proc /tmp/x 2>/dev/null
v=$(cat /proc/sys/kernel/core_pattern)
(printf "%s\n" "$v" > /tmp/x/sys/kernel/core_pattern) 2>/dev/null && echo CORE-PATTERN-WRITABLE || echo CORE-PATTERN-RO
umount /tmp/x/sys 2>/dev/null || echo UMOUNT-COPY-SYS-REFUSED
umount /tmp/x 2>/dev/null || echo UMOUNT-COPY-BUSY
umount -l /tmp/x && ! grep -q " /tmp/x" /proc/mounts && echo RBIND-COPY-REMOVED
touch /tmp/nul && mount --bind /dev/null /tmp/nul && umount /tmp/nul && echo BIND-DEVNULL-OK
mount -t tmpfs t /tmp/t && (cd /tmp/t && umount /tmp/t 2>/dev/null && echo UMOUNT-LAZY || echo UMOUNT-EBUSY); umount /tmp/t
if grep -q fusectl /proc/filesystems; then
  mount -t fusectl fusectl /mnt && grep " /mnt fusectl ro," /proc/mounts >/dev/null && echo FUSECTL-RO
  mount -o remount,bind,rw /mnt 2>/dev/null || echo FUSECTL-RW-REFUSED
  umount /mnt && echo FUSECTL-UMOUNT-OK
else echo FUSECTL-RO FUSECTL-RW-REFUSED FUSECTL-UMOUNT-OK; fi
/probe fdmount'
# The host's message queues must not show in a mediated mqueue mount: a
# queue in the host's ipc namespace, made through a mount only a private
# mount namespace sees.
hostq="mgrhost$$"
mkdir -p "$WORK/mq"
unshare -m sh -c "mount -t mqueue mq '$WORK/mq' && touch '$WORK/mq/$hostq'" || fail "creating a host message queue"
m start -n "$n" -s "container.console.log=$WORK/$n-mediated.console" >/dev/null
for via in attach execute; do
  [ $via = execute ] && m stop -k -n "$n" >/dev/null
  run m $via -n "$n" -- sh -c "$script"
  # UNBINDABLE: an rbind skips unbindable submounts that are not locked, so an
  # unbindable /proc/sys (or /) would let a copy of /proc shed its read-only
  # sys and its masks: the host's core_pattern, writable.
  for what in TMPFS-OK MQUEUE-OK PROC-REFUSED SYSFS-REFUSED REMOUNT-REFUSED BIND-REMOUNT-REFUSED UMOUNT-MASK-REFUSED \
              UMOUNT-PROC-SYS-REFUSED KEEP-RO-OK BIND-OK UNBINDABLE-REFUSED RUNBINDABLE-ROOT-REFUSED CORE-PATTERN-RO \
              UMOUNT-COPY-SYS-REFUSED UMOUNT-COPY-BUSY RBIND-COPY-REMOVED BIND-DEVNULL-OK UMOUNT-EBUSY FUSECTL-RO \
              FUSECTL-RW-REFUSED FUSECTL-UMOUNT-OK \
              "FD tmpfs ok" "FD bind-remount-ro ok" "FD umount ok" "FD proc-sys-rw Operation not permitted" \
              "FD umount-mask Operation not permitted" "FD proc-on-fd Operation not permitted" \
              "FD no-such-fd No such file or directory"; do
    expect_in "$OUT" "$what" "[p] $via: mediated mount: $what"
  done
  expect_not_in "$OUT" "UMOUNT-LAZY" "[p] $via: a busy mount is not unmounted unless -l is asked"
  expect_not_in "$OUT" "CORE-PATTERN-WRITABLE" "[p] $via: no copy of /proc exposes a writable core_pattern"
  expect_not_in "$OUT" "$hostq" "[p] $via: a mediated mqueue is the container's, not the host's"
done
grep -q "refused mount -t proc proc on /mnt (flags 0x[0-9a-f]*) by pid [0-9]*: only tmpfs" "$WORK/$n-mediated.console" \
  && pass "[p] a refused mount is noted in the console log, with why" || fail "no note of the refused mount in the console log"
unshare -m sh -c "mount -t mqueue mq '$WORK/mq' && rm -f '$WORK/mq/$hostq'"
grep -q " /tmp/t " /proc/mounts && fail "a mediated mount reached the host's mount table" || pass "no mediated mount reached the host"
# A read-only [mount] of a host folder stays read-only: before mediation
# every mount call was denied, and the monitor must not undo that.
mkdir -p "$WORK/host-ro"; echo untouched > "$WORK/host-ro/file"
cp "$P/$n/config" "$WORK/config-p.saved"
printf '\n[mount hostro]\nsource = %s\ntarget = /hostro\noptions = bind,ro,create=dir\n' "$WORK/host-ro" >> "$P/$n/config"
run m start -n "$n"
expect_rc 0 "[p] starts with a read-only [mount] of a host folder"
run m attach -n "$n" -- sh -c 'mount -o remount,bind,rw /hostro 2>/dev/null && echo REMOUNTED; echo changed > /hostro/file 2>/dev/null && echo WRITTEN
umount /hostro 2>/dev/null && echo UNMOUNTED; mkdir -p /tmp/c && mount --rbind /hostro /tmp/c && mount -o remount,bind,rw /tmp/c 2>/dev/null && echo COPY-REMOUNTED; true'
expect_not_in "$OUT" "REMOUNTED" "[p] a read-only [mount] cannot be remounted read-write"
expect_not_in "$OUT" "WRITTEN" "[p] nor written"
expect_not_in "$OUT" "UNMOUNTED" "[p] nor unmounted"
expect_not_in "$OUT" "COPY-REMOUNTED" "[p] nor a copy of it made read-write"
[ "$(cat "$WORK/host-ro/file")" = untouched ] && pass "[p] the host folder behind it is untouched" || fail "[p] the host folder behind a read-only [mount] was written"
m stop -k -n "$n" >/dev/null
cp "$WORK/config-p.saved" "$P/$n/config"
# No second seccomp listener: with the monitor gone, one would let the
# container answer its own mount notifications.
m start -n "$n" >/dev/null
run m attach -n "$n" -- /probe listener
expect_in "$OUT" "PROBE seccomp-new-listener blocked EPERM" "[p] a second seccomp listener is refused (EPERM, not only EBUSY while the monitor lives)"
m stop -k -n "$n" >/dev/null
m start -n "$n" >/dev/null
run m attach -n "$n" -u 1000 -- sh -c 'mkdir -p /tmp/u; mount -t tmpfs t /tmp/u 2>/dev/null && echo USER-MOUNTED || echo USER-REFUSED'
expect_in "$OUT" "USER-REFUSED" "[p] a user without CAP_SYS_ADMIN gets no mount from the monitor"
m stop -k -n "$n" >/dev/null

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
# Without create=, the target is opened in one openat2 (mgr_open_beneath):
# the same refusal.
sed -i 's|^options = bind,ro,create=dir|options = bind,ro|' "$P/$n/config"
run m start -n "$n"
expect_rc 1 "a mount target that is a symlink out of the rootfs, without create=, does not start"
expect_in "$ERR" "opening the mount target /data inside the rootfs" "and names the target"
[ "$(grep -c " /etc " /proc/mounts)" = 0 ] && pass "nothing was mounted over the host's /etc" || fail "/etc was mounted over!"
sed -i 's|^options = bind,ro$|options = bind,ro,create=dir|' "$P/$n/config"
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

# A mount source inside the container's folder is the container's: a
# symlink it planted there must not make mgr bind a host folder.
mkdir -p "$WORK/host-secret"; echo "host-secret-$pfx" > "$WORK/host-secret/secret"; chmod 755 "$WORK/host-secret"
ln -s "$WORK/host-secret" "$R/shared"; chown -h "$uid:$uid" "$R/shared"
mkdir -p "$R/srv"; ln -s "$WORK" "$R/srv/up"; chown -h "$uid:$uid" "$R/srv" "$R/srv/up"
for src in rootfs/shared "$R/shared" "rootfs/srv/up/host-secret" "$P/$n/./rootfs//shared"; do
  printf '\n[mount share]\nsource = %s\ntarget = /mnt/share\noptions = bind,create=dir\n' "$src" >> "$P/$n/config"
  run m start -n "$n"
  if [ "$RC" = 0 ]; then
    run m attach -n "$n" -- cat /mnt/share/secret
    fail "source = $src (a symlink planted in the rootfs) started; inside, /mnt/share/secret reads: $OUT"
    m stop -k -n "$n" >/dev/null 2>&1
  else
    pass "source = $src (a symlink planted in the rootfs to a host folder) does not start (exit $RC)"
    expect_in "$ERR" "[mount share] source" "and the error names [mount share] source"
    expect_in "$ERR" "symlink" "and says it is a symlink"
  fi
  cp "$WORK/config.saved" "$P/$n/config"
done
rm -rf "$R/shared" "$R/srv"
# The same source as a real folder of the container, and a host path the
# administrator wrote (outside the folder), both still work.
mkdir -p "$R/shared" "$P/$n/data"; echo inside > "$R/shared/f"; echo data > "$P/$n/data/f"; chown -R "$uid:$uid" "$R/shared"
printf '\n[mount share]\nsource = rootfs/shared\ntarget = /mnt/share\noptions = bind,create=dir\n' >> "$P/$n/config"
printf '\n[mount data]\nsource = data\ntarget = /mnt/data\noptions = bind,ro,create=dir\n' >> "$P/$n/config"
printf '\n[mount host]\nsource = %s\ntarget = /mnt/host\noptions = bind,ro,create=dir\n' "$WORK/host-target" >> "$P/$n/config"
run m start -n "$n"
expect_rc 0 "real folders inside the container's folder and a host path still mount"
run m attach -n "$n" -- cat /mnt/share/f /mnt/data/f /mnt/host/file
expect_in "$OUT" "inside
data
untouched" "and the container sees their files"
m stop -k -n "$n" >/dev/null
cp "$WORK/config.saved" "$P/$n/config"
rm -rf "$R/shared" "$P/$n/data"

# bind,ro and rbind,ro: the flags the kernel locked on the host mount
# (nosuid, nodev in a user namespace) are kept, and rbind,ro makes every
# submount read-only, as seen from inside by writing.
mkdir -p "$WORK/rb/sub" "$WORK/plain" && chmod 777 "$WORK/rb" "$WORK/plain" && mount -t tmpfs -o mode=777,size=1m "mgr-test-$pfx" "$WORK/rb/sub"
trap 'umount "$WORK/rb/sub" 2>/dev/null; cleanup' EXIT
for kind in p u; do
  n="$pfx-$kind"
  cp "$P/$n/config" "$WORK/config.$kind"
  printf '\n[mount ro]\nsource = %s\ntarget = /mnt/ro\noptions = bind,ro,nosuid,create=dir\n' "$WORK/plain" >> "$P/$n/config"
  printf '\n[mount rro]\nsource = %s\ntarget = /mnt/rro\noptions = rbind,ro,create=dir\n' "$WORK/rb" >> "$P/$n/config"
  printf '\n[mount rw]\nsource = %s\ntarget = /mnt/rw\noptions = rbind,create=dir\n' "$WORK/rb" >> "$P/$n/config"
  run m start -n "$n"
  expect_rc 0 "[$kind] bind,ro and rbind,ro of a host folder with a submount start"
  run m attach -n "$n" -- sh -c 'for f in /mnt/ro/x /mnt/rro/x /mnt/rro/sub/x /mnt/rw/sub/x; do f=$f-'$kind';  if echo x > $f 2>/dev/null; then echo "$f writable"; else echo "$f read-only"; fi; done'
  expect_in "$OUT" "/mnt/ro/x-$kind read-only" "[$kind] bind,ro is read-only inside"
  expect_in "$OUT" "/mnt/rro/x-$kind read-only" "[$kind] rbind,ro is read-only inside"
  expect_in "$OUT" "/mnt/rro/sub/x-$kind read-only" "[$kind] rbind,ro makes its submount read-only too"
  expect_in "$OUT" "/mnt/rw/sub/x-$kind writable" "[$kind] a plain rbind of the same tree stays writable"
  m stop -k -n "$n" >/dev/null
  cp "$WORK/config.$kind" "$P/$n/config"
done
# In a user namespace the kernel refuses a plain bind of a folder with
# mounts beneath it (it would uncover what they hide): say to use rbind.
n="$pfx-u"
printf '\n[mount ro]\nsource = %s\ntarget = /mnt/ro\noptions = bind,ro,create=dir\n' "$WORK/rb" >> "$P/$n/config"
run m start -n "$n"
expect_rc 1 "[u] bind of a folder with a mount beneath it does not start"
expect_in "$ERR" "rbind" "and the error says to use rbind"
cp "$WORK/config.u" "$P/$n/config"
# Kernels before 5.12 (no mount_setattr): bind and remount, keeping the
# flags the kernel locked; rbind with ro is refused with the reason.
export MGR_MOUNT_API=legacy
for kind in p u; do
  n="$pfx-$kind"
  printf '\n[mount ro]\nsource = %s\ntarget = /mnt/ro\noptions = bind,ro,nosuid,create=dir\n' "$WORK/plain" >> "$P/$n/config"
  run m start -n "$n"
  expect_rc 0 "[$kind] legacy mount API: bind,ro starts"
  run m attach -n "$n" -- sh -c 'echo x > /mnt/ro/y-'$kind' 2>/dev/null && echo writable || echo read-only'
  expect_in "$OUT" "read-only" "[$kind] legacy mount API: bind,ro is read-only inside"
  m stop -k -n "$n" >/dev/null
  printf '\n[mount rro]\nsource = %s\ntarget = /mnt/rro\noptions = rbind,ro,create=dir\n' "$WORK/rb" >> "$P/$n/config"
  run m start -n "$n"
  expect_rc 1 "[$kind] legacy mount API: rbind,ro is refused"
  expect_in "$ERR" "mount_setattr" "and the error names what is missing"
  cp "$WORK/config.$kind" "$P/$n/config"
done
unset MGR_MOUNT_API
umount "$WORK/rb/sub"

# An init that dies before exec is a failed start, not a running container:
# killed by the seccomp filter at execve, or unable to execute at all.
n="$pfx-u"
cp "$P/$n/config" "$WORK/config.u"
printf 'default_action = "allow";\nrules = ( { syscalls = [ "execve" ]; action = "kill"; } );\n' > "$WORK/kill-exec.profile"
printf 'not a program\n' > "$R/notexec"; chmod 644 "$R/notexec"
for how in "seccomp.profile=$WORK/kill-exec.profile" "container.init=/no/such/init" "container.init=/notexec"; do
  run m start -n "$n" -s "$how"
  expect_rc 1 "init that cannot start ($how): mgr-start fails"
  case $how in
    seccomp*) expect_in "$ERR" "SIGSYS" "and names the seccomp kill as the cause" ;;
    *init=/no/such*) expect_in "$ERR" "No such file" "and names the missing init" ;;
    *) expect_in "$ERR" "Permission denied" "and names the non-executable init" ;;
  esac
  run m info -n "$n"
  expect_in "$OUT" "STOPPED" "and the container is stopped afterwards"
  left=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "*$n*" 2>/dev/null)
  [ -z "$left" ] && pass "and no cgroup is left behind" || fail "cgroups left behind: $left"
  run pgrep -f "$P/$n"
  [ -z "$OUT" ] && pass "and no monitor is left behind" || fail "processes left: $OUT"
done
rm -f "$R/notexec"
cp "$WORK/config.u" "$P/$n/config"

# ---- the compiled seccomp filters' cache: used only when it can be trusted ----
C="$MGR_SECCOMP_CACHE"
n="$pfx-p"
seccomp_from() { # start with MGR_TRACE=1, then stop: "cache" or "compiled" (and the filter is on init)
  local tr st
  tr=$(MGR_TRACE=1 timeout "$T" "$MGR" start -P "$P" -n "$n" 2>&1)
  st=$(grep '^Seccomp:' "/proc/$(jget_pid)/status" 2>/dev/null | awk '{print $2}')
  m stop -k -n "$n" >/dev/null 2>&1
  case $tr in
    *"seccomp: filter from the cache"*) echo "cache seccomp=$st" ;;
    *"seccomp: filter compiled"*) echo "compiled seccomp=$st" ;;
    *) echo "neither: $tr" ;;
  esac
}
jget_pid() { timeout "$T" "$MGR" info -P "$P" -n "$n" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])'; }
rm -rf "$C"
[ "$(seccomp_from)" = "compiled seccomp=2" ] && pass "cache: the first start compiles the filter" || fail "cache: first start: $(seccomp_from)"
f=$(ls "$C" | head -1)
[ "$(stat -c '%U %a' "$C")" = "root 700" ] && [ "$(stat -c '%U %a %F' "$C/$f")" = "root 644 regular file" ] \
  && pass "cache: a root-owned folder (700) with a root-owned file (644)" || fail "cache: $(ls -la "$C")"
[ "$(seccomp_from)" = "cache seccomp=2" ] && pass "cache: the next start takes the filter from the cache" || fail "cache: second start: $(seccomp_from)"
# A flipped byte in the program: the checksum refuses it, and the file is replaced.
printf '\377' | dd of="$C/$f" bs=1 seek=100 conv=notrunc status=none
[ "$(seccomp_from)" = "compiled seccomp=2" ] && pass "cache: a corrupted entry is not used" || fail "cache: corrupted entry: $(seccomp_from)"
[ "$(seccomp_from)" = "cache seccomp=2" ] && pass "cache: and a good one replaces it" || fail "cache: after corruption: $(seccomp_from)"
# A program another user could have written: a group-writable file, a file
# of another owner, a symlink, a folder that is not root's.
cp "$C/$f" "$WORK/good-entry"
chmod 666 "$C/$f"
[ "$(seccomp_from)" = "compiled seccomp=2" ] && pass "cache: a group/other-writable entry is not used" || fail "cache: writable entry: $(seccomp_from)"
chown 65534 "$C/$f"
[ "$(seccomp_from)" = "compiled seccomp=2" ] && pass "cache: an entry owned by another user is not used" || fail "cache: foreign entry: $(seccomp_from)"
rm -f "$C/$f"; ln -s "$WORK/good-entry" "$C/$f"
[ "$(seccomp_from)" = "compiled seccomp=2" ] && pass "cache: a symlink in the cache is not followed" || fail "cache: symlink: $(seccomp_from)"
rm -f "$C/$f"; cp "$WORK/good-entry" "$C/$f"; chown 65534 "$C"
[ "$(seccomp_from)" = "compiled seccomp=2" ] && pass "cache: a folder not owned by root is not used" || fail "cache: foreign folder: $(seccomp_from)"
chown 0 "$C"; chmod 777 "$C"
[ "$(seccomp_from)" = "compiled seccomp=2" ] && pass "cache: a folder others can write is not used" || fail "cache: writable folder: $(seccomp_from)"
chmod 700 "$C"
# The key covers the profile's bytes: another profile is another entry, and
# a planted entry under another profile's key cannot stand in for it.
cp "$MGR_SECCOMP_DIR/default.profile" "$WORK/other.profile"; echo "# changed" >> "$WORK/other.profile"
before=$(ls "$C" | wc -l)
MGR_TRACE=1 run m start -n "$n" -s "seccomp.profile=$WORK/other.profile"
expect_in "$ERR" "seccomp: filter compiled" "cache: a changed profile is compiled, not taken from the cache"
m stop -k -n "$n" >/dev/null 2>&1
[ "$(ls "$C" | wc -l)" -eq $((before + 1)) ] && pass "cache: under a key of its own" || fail "cache: entries: $(ls "$C")"

finish
