# lib.sh - what the benchmark scripts share; source it after setting top, WORK, BUILD and OUT.
# Provides: say, die (prefixed with the script's name), PIDS (killed and reaped on exit),
# bench_build (a release build of idr, idrd and bench_get unless SKIP_BUILD=1) and
# bench_data (import.sh's data directory with N records when the last one is missing, and the
# ~300-byte record R300 whose answer fits one datagram).
BENCH=$(basename "$0")
DATA=$WORK/idr-data
R300=88.118.8/R300-000001
PIDS=""

say() { printf '%s\n' "$*" >&2; }
die() {
	say "$BENCH: $*"
	exit 1
}
bench_cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

bench_build() {
	if [ "${SKIP_BUILD:-0}" != 1 ]; then
		say "== release build in $BUILD"
		cmake -S "$top" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
		cmake --build "$BUILD" --target idr idrd bench_get -j 2 >/dev/null
	fi
	IDR=$BUILD/tools/idr
	IDRD=$BUILD/resolver/idrd
	if [ ! -x "$IDR" ] || [ ! -x "$IDRD" ]; then
		die "no idr/idrd in $BUILD"
	fi
	mkdir -p "$OUT"
}

bench_data() {
	local n=${N:-100000} last
	last=$(printf '88.118.8/B-%07d' "$n")
	if ! "$IDR" get "$last" --data "$DATA" >/dev/null 2>&1; then
		say "== no data directory with $n records in $DATA: tests/bench/import.sh makes it"
		N=$n WORK=$WORK BUILD=$BUILD SKIP_BUILD=1 LOOKUP_SECS=1 LOOKUP_ROUNDS=1 \
			bash "$top/tests/bench/import.sh" >"$OUT/import.out"
		cat "$OUT/import.out" >&2
	fi
	if ! "$IDR" get "$R300" --data "$DATA" >/dev/null 2>&1; then
		"$IDR" register "$R300" --data "$DATA" --kind part \
			--url "https://trace.example.com/items/$R300" \
			model=MX-2024-A01-0001-REV-C batch=LOT-20240202-0001 >/dev/null
	fi
}
