#!/bin/sh
# Build and run the conformance programs against libkqueue-emulation.so.
# usage: run_conformance.sh [OUT-dir-with-the-lib] [test-name-filter...]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/../../../../build}
[ $# -gt 0 ] && shift
BIN=${TMPDIR:-/tmp}/kq-conformance.$$
mkdir -p "$BIN"
status=0
for src in "$HERE"/*_test.c; do
    name=$(basename "$src" .c)
    if ! gcc -O2 -g -Wall -Wextra -D_GNU_SOURCE -pthread "$src" -L"$OUT" -lkqueue-emulation \
            -Wl,-rpath,"$OUT" -o "$BIN/$name"; then
        echo "BUILD-FAIL $name"; status=1; continue
    fi
    echo "== $name"
    timeout 300 "$BIN/$name" "$@" || status=1
done
rm -rf "$BIN"
exit $status
