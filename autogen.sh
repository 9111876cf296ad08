#!/bin/sh
# Regenerates the build system: run once after a fresh clone, then ./configure.
set -e
cd "$(dirname "$0")"
mkdir -p m4 build-aux
exec autoreconf --install --force --warnings=all
