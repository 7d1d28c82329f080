#!/usr/bin/env bash
# scan_oracles.sh - `idr scan --parse-only` against the npm oracles of ref/traceability.md §3
# (bark-js, gs1-barcode-parser-mod, digital-link.js, epc-tds) on a generated corpus of element
# strings, Digital Links and RFID EPCs (valid and wrong check digits), two seeds; plus the CLI
# contract (exit codes, one JSON line per stdin line). No daemon needed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ORACLES=$IDR_SRC/tests/oracles
command -v node >/dev/null || fail "node is not installed"
for m in bark-js gs1-barcode-parser-mod digital-link.js epc-tds; do
	[ -d "$ORACLES/node_modules/$m" ] ||
		fail "the scan oracles are not installed: run 'npm ci' in $ORACLES"
done

note "CLI contract"
out=$("$IDR_BIN" scan --parse-only '(01)06901234567892(21)SN1') || fail "valid scan refused"
case $out in *'"kind":"gs1"'*'"dl":"https://id.gs1.org/01/06901234567892/21/SN1"'*) ;;
*) fail "unexpected answer: $out" ;; esac
rc=0
out=$("$IDR_BIN" scan --parse-only '(17)240231') || rc=$?
[ "$rc" = 1 ] || fail "a bad scan exits $rc, not 1"
case $out in *'(17) 240231: day 31 does not exist in February'*) ;;
*) fail "unexpected error: $out" ;; esac
rc=0
"$IDR_BIN" scan --data "$T/none" '88.118.8/X' >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "idr scan (a lookup) without a data directory exits $rc, not 1"
n=$(printf '88.118.8/A\r\n3074257BF7194E4000001A85\n]d2011234\n' |
	"$IDR_BIN" scan --parse-only --gcp 7 | wc -l) || true
[ "$n" = 3 ] || fail "three stdin scans gave $n answers"

for seed in 9 20240229; do
	note "oracles, seed $seed"
	node "$ORACLES/scan-oracles.js" "$IDR_BIN" "$seed" || fail "idr and the oracles disagree"
done
echo "PASS: $TEST_NAME"
