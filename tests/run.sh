#!/bin/sh
# tests/run.sh - install what is missing, check formatting, build every libFuzzer target and
# run each briefly from its seeds, build with clang + ASan/UBSan and -Werror, and run every
# test through ctest (unit, fuzz seed replay, integration). Exit status non-zero on any
# failure; the last lines printed are ctest's summary.
#   env: BUILD_DIR (default build-test), FUZZ_BUILD_DIR (build-fuzz), FUZZ_SECONDS (3),
#        JOBS (default: number of cores)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${BUILD_DIR:-build-test}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

./deploy/deps.sh test

echo "== clang-format check"
if [ -d .git ]; then
	files=$(git ls-files '*.c' '*.h')
else
	files=$(find registry resolver tools tests -name '*.[ch]' -not -path '*/node_modules/*')
fi
# shellcheck disable=SC2086
clang-format --dry-run --Werror $files

if [ -f tests/oracles/package.json ]; then
	echo "== npm oracles"
	(cd tests/oracles && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

echo "== build (clang, address,undefined, -Werror)"
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
	-DIDR_SANITIZE=address,undefined -DIDR_WERROR=ON >/dev/null
if ! cmake --build "$build" -j "$jobs" >"$build/build.log" 2>&1; then
	grep -E -B2 -A8 'error|Error' "$build/build.log" | head -200
	echo "tests/run.sh: build failed (full log: $build/build.log)" >&2
	exit 1
fi

echo "== libFuzzer targets (clang -fsanitize=fuzzer): build, then ${FUZZ_SECONDS:-3} s from the seeds each"
fbuild=${FUZZ_BUILD_DIR:-build-fuzz}
cmake -S . -B "$fbuild" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DIDR_FUZZ=ON -DIDR_SANITIZE=address,undefined -DIDR_WERROR=ON >/dev/null
# tests/fuzz/<folder>/fuzz_<name>.c with its seeds in fuzz_<name>.in/ beside it
fuzzers=$(find tests/fuzz -name 'fuzz_*.c' | sed 's|.*/||; s/\.c$//' | sort)
# shellcheck disable=SC2086
if ! cmake --build "$fbuild" -j "$jobs" --target $fuzzers >"$fbuild/build.log" 2>&1; then
	grep -E -B2 -A8 'error|Error' "$fbuild/build.log" | head -100
	echo "tests/run.sh: fuzz build failed (full log: $fbuild/build.log)" >&2
	exit 1
fi
for f in $fuzzers; do
	corpus=$(mktemp -d)
	cp "$(find tests/fuzz -type d -name "$f.in")"/* "$corpus"/
	if ! "$fbuild/tests/$f" -max_total_time="${FUZZ_SECONDS:-3}" "$corpus" \
		>"$fbuild/$f.log" 2>&1; then
		tail -40 "$fbuild/$f.log"
		echo "tests/run.sh: $f found a crash (log: $fbuild/$f.log)" >&2
		rm -rf "$corpus"
		exit 1
	fi
	rm -rf "$corpus"
done

echo "== ctest"
cd "$build"
exec ctest --output-on-failure -j "$jobs"
