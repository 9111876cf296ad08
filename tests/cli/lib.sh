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

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
