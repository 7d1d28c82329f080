#!/usr/bin/env bash
# checkdigit.sh - the GS1 mod-10 check digits of idr gen ({mod10} over bodies of 7, 11, 12, 13
# and 17 digits, GTIN-13/14 from --gtin, SSCC from --sscc) against GS1 Germany's calculator
# (npm @ollah666/checkdigitcalculator, tests/oracles/checkdigit.js), on random bodies; the seed
# is printed so that a failure can be replayed (CHECKDIGIT_SEED=...).
. "$(dirname "$0")/lib.sh"

: "${IDR_SRC:?IDR_SRC must point to the source tree}"
command -v node >/dev/null 2>&1 || fail "node is needed"
ORACLES=$IDR_SRC/tests/oracles
[ -d "$ORACLES/node_modules/@ollah666/checkdigitcalculator" ] ||
	fail "the check digit oracle is not installed: run 'npm ci' in $ORACLES"
SEED=${CHECKDIGIT_SEED:-$((RANDOM * 32768 + RANDOM + 1))}
note "seed $SEED"
KEYS=$T/keys
: >"$KEYS"

# column N of the CSV rows (no quoting in these columns)
col() {
	tail -n +2 "$OUT" | cut -d, -f"$1"
}

note "{mod10} over random bodies, 25 consecutive from each"
n=0
for w in 7 11 12 13 17; do
	for body in $(node "$ORACLES/checkdigit.js" random "$w" 8 $((SEED + w))); do
		ok idr gen --prefix 88.118.8 --kind part --count 25 --start $((10#$body)) \
			--pattern "{seq:$w}{mod10}"
		col 1 | sed 's|^88.118.8/||' >>"$KEYS"
		n=$((n + 25))
	done
done
assert_eq "$(wc -l <"$KEYS")" "$n" "keys from {mod10}"
# a body that does not fit the width is refused, not cut
expect_exit 64 idr gen --prefix 88.118.8 --kind part --count 2 --start 9999999 \
	--pattern "{seq:7}{mod10}"
expect_err "holds at most 9999999"

note "GTIN-13/14 from company prefix + item reference, SSCC"
i=0
for body in $(node "$ORACLES/checkdigit.js" random 12 30 $((SEED + 100))); do
	cpl=$((6 + i % 7))
	ok idr gen --prefix 88.118.8 --kind product --count 1 \
		--gtin "${body:0:$cpl}.${body:$cpl}" --indicator $((i % 10))
	col 3 >>"$KEYS"
	i=$((i + 1))
done
i=0
for cp in $(node "$ORACLES/checkdigit.js" random 9 10 $((SEED + 200))); do
	cpl=$((6 + i % 7))
	ok idr gen --prefix 88.118.8 --kind package --count 5 --start $((i * 977 + 1)) \
		--sscc "${cp:0:$cpl}" --extension $((i % 10))
	col 3 >>"$KEYS"
	i=$((i + 1))
done
# every GTIN is 14 digits, every SSCC 18
grep -cvE '^[0-9]+$' "$KEYS" >/dev/null && fail "a key holds a non-digit"

note "the oracle verifies all $(wc -l <"$KEYS") keys"
node "$ORACLES/checkdigit.js" verify <"$KEYS" >"$OUT" 2>"$ERR" || {
	show_output
	fail "check digits differ from the oracle (seed $SEED)"
}
cat "$OUT"
# and the oracle is not blind: a wrong digit is reported
printf '6901234567893\n' | node "$ORACLES/checkdigit.js" verify >/dev/null 2>&1 &&
	fail "the oracle accepted a wrong check digit"
note "ok"
