# Shared by the shell test suites: counting, assertions, a closing summary
# line "N passed, N failed" that CI reads.
set -u
PASSED=0
FAILED=0
MGR="${MGR_BUILDDIR:-$(pwd)}/src/mgr"
WORK=$(mktemp -d /tmp/mgr-cli-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

pass() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }

# run CMD...: runs it, keeping stdout in $OUT, stderr in $ERR, status in $RC.
run() {
  OUT=$("$@" 2>"$WORK/stderr") && RC=0 || RC=$?
  ERR=$(cat "$WORK/stderr")
}

expect_rc() { # expect_rc WANT WHAT
  if [ "$RC" -eq "$1" ]; then pass "$2 (exit $RC)"; else fail "$2: exit $RC, want $1; stderr: $ERR"; fi
}

expect_in() { # expect_in HAYSTACK NEEDLE WHAT
  case "$1" in
    *"$2"*) pass "$3" ;;
    *) fail "$3: '$2' not in: $1" ;;
  esac
}

expect_not_in() {
  case "$1" in
    *"$2"*) fail "$3: '$2' found in: $1" ;;
    *) pass "$3" ;;
  esac
}

# tmux_start NAME ARGS...: a private tmux server (-L NAME) with a detached
# session (new-session -d ARGS...). The server outlives this command, so it
# must inherit no fd but 0-2: a lock held by whoever runs the suite (flock
# without -o) would stay held for as long as the server lives. End it with
# tmux -L NAME kill-server, also when the suite is interrupted.
tmux_start() {
  local name=$1
  shift
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    exec tmux -L "$name" new-session -d "$@"
  )
}

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
