#!/bin/bash
# On a pure cgroup v2 host, mgr-start, mgr-execute and mgr-attach create
# the container's first process and the attach helper straight in their
# cgroup (clone3 with CLONE_INTO_CGROUP), privileged and user-namespaced:
# a process moved into a cgroup afterwards waits for the kernel's global
# migration lock and an RCU grace period. strace shows each clone3; the
# cgroup the process is born in is then checked from /proc. Run inside the
# v2 lab (tests/vm/run-v2-lab.sh); a hybrid or v1 host skips it.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -f /sys/fs/cgroup/cgroup.controllers ] && ! grep -q ' - cgroup ' /proc/self/mountinfo \
  || { echo "SKIP: not a pure cgroup v2 host (run it in tests/vm/run-v2-lab.sh)"; exit 77; }
command -v strace >/dev/null || { echo "FAIL: strace missing (quickstart.sh check installs it)"; echo "0 passed, 1 failed"; exit 1; }
export MGR_TEMPLATES_DIR="$MGR_SRCDIR/templates"
P="$WORK/containers"
chmod 755 "$WORK"
T=120
pfx="ci$$"
m() { local verb=$1; shift; timeout "$T" "$MGR" "$verb" -P "$P" "$@"; }
jget() { m info -n "$1" --format json | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
cleanup() {
  [ -n "${spid:-}" ] && kill "$spid" 2>/dev/null
  for c in "$P"/*/; do [ -d "$c" ] && timeout 30 "$MGR" destroy -f -P "$P" -n "$(basename "$c")" >/dev/null 2>&1; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# born_in_cgroup WHAT TRACE FLAG: the successful clone3 calls in TRACE that
# carry FLAG (CLONE_NEWPID for a container's first process) asked for
# CLONE_INTO_CGROUP, and none fell back to a plain clone3 or fork.
born_in_cgroup() {
  local what=$1 f=$2 want=$3 ok
  ok=$(grep 'clone3(' "$f" | grep -v '= -1' | grep -- "$want")
  if [ -z "$ok" ]; then
    fail "$what: no successful clone3 with $want in the trace: $(grep -E 'clone3|fork|clone\(' "$f" | head -5)"
  elif grep -q CLONE_INTO_CGROUP <<<"$ok" && ! grep -v CLONE_INTO_CGROUP <<<"$ok" | grep -q .; then
    pass "$what: clone3 with CLONE_INTO_CGROUP"
  else
    fail "$what: clone3 without CLONE_INTO_CGROUP: $ok"
  fi
}

for kind in p u; do
  n="$pfx-$kind"
  if [ $kind = p ]; then m create -n "$n" -t busybox --privileged >/dev/null; else m create -n "$n" -t busybox >/dev/null; fi

  # mgr-start under strace, which ends once the monitor does (stop -k).
  strace -f -qq -e trace=clone3,clone,fork,vfork -o "$WORK/start.$kind" "$MGR" start -P "$P" -n "$n" >"$WORK/out" 2>&1 &
  spid=$!
  for _ in $(seq $T); do [ "$(jget "$n" state 2>/dev/null)" = RUNNING ] && break; sleep 1; done
  if [ "$(jget "$n" state 2>/dev/null)" = RUNNING ]; then
    init=$(jget "$n" pid)
    id=$(jget "$n" id)
    expect_in "$(cat /proc/$init/cgroup 2>&1)" "/$id" "start ($kind): init is in the container's cgroup"
  else
    fail "start ($kind): not RUNNING: $(cat "$WORK/out")"
  fi

  # mgr-attach: the helper, whose clone3 carries no namespace flag.
  run strace -f -qq -e trace=clone3,clone,fork,vfork -o "$WORK/attach.$kind" "$MGR" attach -P "$P" -n "$n" -- /bin/cat /proc/self/cgroup
  expect_rc 0 "attach ($kind)"
  expect_in "$(grep 'clone3(' "$WORK/attach.$kind" | grep -v '= -1')" CLONE_INTO_CGROUP "attach ($kind): the helper is born in the container's cgroup"
  # Seen through the container's cgroup namespace: its root or a leaf below
  # it (a cgroup outside would read /..).
  v2=$(grep '^0::' <<<"$OUT")
  case $v2 in 0::/*..*|"") fail "attach ($kind): the command's cgroup is $v2" ;; *) pass "attach ($kind): the command runs in the container's cgroup ($v2)" ;; esac
  m stop -k -n "$n" >/dev/null 2>&1
  for _ in $(seq $T); do kill -0 "$spid" 2>/dev/null || break; sleep 1; done
  if kill -0 "$spid" 2>/dev/null; then
    fail "start ($kind): strace still runs after stop -k"
  else
    born_in_cgroup "start ($kind)" "$WORK/start.$kind" CLONE_NEWPID
  fi
  wait "$spid" 2>/dev/null; spid=

  # mgr-execute: a monitor in front, the command as the first process.
  run strace -f -qq -e trace=clone3,clone,fork,vfork -o "$WORK/exec.$kind" "$MGR" execute -P "$P" -n "$n" -- /bin/true
  expect_rc 0 "execute ($kind)"
  born_in_cgroup "execute ($kind)" "$WORK/exec.$kind" CLONE_NEWPID
done
finish
