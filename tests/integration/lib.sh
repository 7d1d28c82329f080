# lib.sh - helpers for integration tests, sourced by tests/integration/<name>.sh.
#
# Provides: a temporary directory $T removed on exit (KEEP_TMP=1 keeps it), fail/note,
# run-and-expect helpers that capture stdout/stderr ($OUT, $ERR), waiting for a file with a
# time-out, background processes stopped by their own PID, and a sanitizer-report check.
# Environment (set by ctest): IDR_BIN, IDRD_BIN (when built), IDR_SRC, IDR_TEST_DATA.
set -eu

TEST_NAME=$(basename "$0" .sh)
: "${IDR_BIN:?IDR_BIN must point to the idr binary}"
[ -x "$IDR_BIN" ] || { echo "FAIL: $TEST_NAME: IDR_BIN=$IDR_BIN is not executable" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/idr-$TEST_NAME.XXXXXX")
OUT=$T/.out
ERR=$T/.err
BG_PIDS=""

lib_cleanup() {
	rc=$?
	for p in $BG_PIDS; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in $BG_PIDS; do
		wait "$p" 2>/dev/null || true
	done
	if [ "${KEEP_TMP:-0}" = 1 ] || { [ "$rc" -ne 0 ] && [ "${KEEP_TMP_ON_FAIL:-0}" = 1 ]; }; then
		echo "kept $T" >&2
	else
		rm -rf "$T"
	fi
	exit "$rc"
}
trap lib_cleanup EXIT
trap 'exit 130' INT TERM

# fail MESSAGE...: print and stop the test.
fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	exit 1
}

# note MESSAGE...: a progress line.
note() {
	echo "== $*"
}

# show_output: the last command's captured output (for failure messages).
show_output() {
	echo "--- stdout:" >&2
	head -c 4000 "$OUT" >&2 || true
	echo "--- stderr:" >&2
	head -c 4000 "$ERR" >&2 || true
}

# expect_exit CODE CMD...: run CMD with stdout/stderr captured in $OUT/$ERR; fail unless it
# exits with CODE. A sanitizer report fails the test whatever the exit code.
expect_exit() {
	want=$1
	shift
	set +e
	"$@" >"$OUT" 2>"$ERR"
	got=$?
	set -e
	check_sanitizer "$ERR"
	if [ "$got" -ne "$want" ]; then
		show_output
		fail "expected exit $want, got $got: $*"
	fi
}

# ok CMD...: expect_exit 0.
ok() {
	expect_exit 0 "$@"
}

# expect_out PATTERN / expect_err PATTERN: the last command's stdout / stderr contains the
# fixed string PATTERN.
expect_out() {
	grep -qF -- "$1" "$OUT" || { show_output; fail "stdout lacks '$1'"; }
}
expect_err() {
	grep -qF -- "$1" "$ERR" || { show_output; fail "stderr lacks '$1'"; }
}

# assert_eq GOT WANT MESSAGE
assert_eq() {
	[ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
}

# check_sanitizer FILE: fail if FILE holds an ASan/UBSan/LSan report.
check_sanitizer() {
	if grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$1" 2>/dev/null; then
		head -c 6000 "$1" >&2
		fail "sanitizer report in $1"
	fi
}

# json_valid FILE: FILE is valid JSON (python3 -m json.tool, else node).
json_valid() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -m json.tool "$1" >/dev/null || fail "invalid JSON in $1"
	else
		node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$1" ||
			fail "invalid JSON in $1"
	fi
}

# json_get FILE EXPR: evaluate a Python expression over the parsed document `d`.
json_get() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# wait_file FILE [SECONDS]: wait until FILE exists and is not empty (default 10 s).
wait_file() {
	n=$(( ${2:-10} * 10 ))
	while [ "$n" -gt 0 ]; do
		[ -s "$1" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	fail "timed out waiting for $1"
}

# start_bg LOG CMD...: start CMD in the background with output in LOG; sets LAST_PID.
start_bg() {
	log=$1
	shift
	"$@" >"$log" 2>&1 &
	LAST_PID=$!
	BG_PIDS="$BG_PIDS $LAST_PID"
}

# stop_pid PID [SIGNAL]: send SIGNAL (default TERM), wait up to 5 s, then KILL; returns the
# process's exit status in STOP_STATUS.
stop_pid() {
	sig=${2:-TERM}
	kill -"$sig" "$1" 2>/dev/null || true
	n=50
	while [ "$n" -gt 0 ] && kill -0 "$1" 2>/dev/null; do
		sleep 0.1
		n=$((n - 1))
	done
	kill -0 "$1" 2>/dev/null && kill -KILL "$1" 2>/dev/null
	set +e
	wait "$1" 2>/dev/null
	STOP_STATUS=$?
	set -e
	keep=""
	for p in $BG_PIDS; do
		[ "$p" = "$1" ] || keep="$keep $p"
	done
	BG_PIDS=$keep
}

# idr ARGS...: the tool on the test's default data directory $T/data.
idr() {
	"$IDR_BIN" "$@"
}
export IDR_DATA="$T/data"
