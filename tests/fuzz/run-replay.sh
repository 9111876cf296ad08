#!/bin/sh
# Replays every fuzz target's corpus (tests/fuzz/corpus/TARGET/) through its
# parser, under valgrind when present, so that a read out of bounds or a
# leak fails the test as the sanitizers would in `make fuzz`.
set -e
status=0
for t in config settings seccomp lxcimport oci; do
  corpus="$MGR_SRCDIR/tests/fuzz/corpus/$t"
  bin="$MGR_BUILDDIR/tests/fuzz/fuzz-$t-replay"
  printf '%s: ' "$t"
  if command -v valgrind >/dev/null 2>&1; then
    valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite "$bin" "$corpus" || status=1
  else
    "$bin" "$corpus" || status=1
  fi
done
exit $status
