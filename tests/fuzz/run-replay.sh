#!/bin/sh
# Replays the fuzz corpus through the parser (under valgrind when present,
# so that a read out of bounds fails the test).
set -e
corpus="$MGR_SRCDIR/tests/fuzz/corpus"
bin="$MGR_BUILDDIR/tests/fuzz/fuzz-config-replay"
if command -v valgrind >/dev/null 2>&1; then
  exec valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite "$bin" "$corpus"/*
fi
exec "$bin" "$corpus"/*
