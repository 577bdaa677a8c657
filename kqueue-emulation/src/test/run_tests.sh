#!/bin/sh
# Builds every src/test/c/**/*_test.c as its own program linked against the emulation, runs it
# under `timeout 120`, and prints the aggregate "N passed, N failed" as the last line.
# Tests under src/test/c/freebsd/ are built with FreeBSD's ABI (-DKQ_ABI_FREEBSD) and linked
# against libkqueue-emulation-freebsd.so.
# Each program prints "ok <name>" / "FAIL <name>: <reason>" lines and finally "RESULT <p> <f>".
out=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
cc=${CC:-gcc}
cflags=${TEST_CFLAGS:--O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -pthread -std=c11}
mkdir -p "$out/tests"
pass=0
fail=0
for t in $(cd "$root" && find src/test/c -name '*_test.c' | LC_ALL=C sort); do
	rel=${t#src/test/c/}
	name=$(printf '%s' "${rel%.c}" | tr '/' '_')
	bin="$out/tests/$name"
	abi=
	lib=kqueue-emulation
	case $rel in
	freebsd/*) abi=-DKQ_ABI_FREEBSD lib=kqueue-emulation-freebsd ;;
	esac
	echo "== $rel"
	if ! $cc $cflags $abi -I"$root/src/test/c" -I"$(dirname "$root/$t")" -I"$root/src/main/c/include" \
	    -o "$bin" "$root/$t" -L"$out" -l$lib -Wl,-rpath,"$out" -pthread -lm \
	    >"$bin.build.log" 2>&1; then
		cat "$bin.build.log"
		echo "FAIL $rel: does not compile"
		fail=$((fail + 1))
		continue
	fi
	(cd "$out/tests" && timeout 120 "$bin") >"$bin.log" 2>&1
	rc=$?
	cat "$bin.log"
	res=$(grep '^RESULT [0-9][0-9]* [0-9][0-9]*$' "$bin.log" | tail -n 1)
	if [ -z "$res" ]; then
		echo "FAIL $rel: no RESULT line (exit status $rc)"
		fail=$((fail + 1))
		continue
	fi
	p=$(echo "$res" | cut -d' ' -f2)
	f=$(echo "$res" | cut -d' ' -f3)
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $rel: exit status $rc"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
