#!/usr/bin/env bash
# label.sh - idr gen -> idr import round trip (deterministic rows, overflow refused), and idr
# label PNGs decoded by a real barcode reader (ZXingReader, Debian zxing-cpp-tools, ref/
# traceability.md §4.3): the QR gives back exactly the item's node URL, the GS1 DataMatrix
# exactly its element string as a scanner sends it (]d2, FNC1 as GS 0x1D after variable-length
# fields). Errors: unknown identifier, no GS1 key, a bad check digit, an unwritable file.
. "$(dirname "$0")/lib.sh"

NODE=https://node.example.cn
GS=$(printf '\035')

# scan FILE: what a scanner in AIM-ID mode sends (symbology identifier + bytes) into $T/scan
scan() {
	ZXingReader "$1" >"$T/zx.txt" 2>&1 || { cat "$T/zx.txt" >&2; fail "ZXingReader $1"; }
	{
		printf '%s' "$(sed -n 's/^Identifier: *//p' "$T/zx.txt")"
		ZXingReader -bytes "$1"
	} >"$T/scan"
}

note "data"
ok idr init --node-prefix 88.118 --owner "测试二级节点"
ok idr prefix add 88.118.8 --owner "某某制造有限公司"

# expected check characters computed apart from idr (the ISO/IEC 7064 hybrid algorithm in
# Python: P20240600041 -> T, P20240600290 -> W, P20240600042 -> R)
for c in gen label; do
	ok idr help "$c"
	expect_out "usage: idr $c"
done

note "idr gen: parts with a date, a counter and a MOD 37,36 check character"
GEN=(idr gen --prefix 88.118.8 --kind part --count 250 --start 41 --date 2024-06-01
	--pattern 'P-{yyyy}{mm}-{seq:5}{check}' --node-url "$NODE")
ok "${GEN[@]}" -o "$T/parts.csv"
assert_eq "$(head -1 "$T/parts.csv")" "id,kind,link" "header"
assert_eq "$(sed -n 2p "$T/parts.csv")" \
	"88.118.8/P-202406-00041T,part,$NODE/88.118.8/P-202406-00041T" "first row"
assert_eq "$(wc -l <"$T/parts.csv")" 251 "rows"
ok "${GEN[@]}"
cmp -s "$OUT" "$T/parts.csv" || fail "the same options gave other rows"
ok idr import "$T/parts.csv"
expect_out "250 created"
ok idr get 88.118.8/P-202406-00290W
expect_out "link"

note "overflow and a pattern without a counter are refused before anything is written"
expect_exit 64 idr gen --prefix 88.118.8 --kind part --count 60 --start 41 \
	--pattern 'Q{seq:2}' -o "$T/none.csv"
expect_err "holds at most 99"
[ ! -e "$T/none.csv" ] || fail "a refused gen wrote its file"
expect_exit 64 idr gen --prefix 88.118.8 --kind product --count 2 --gtin 6901234.56789 \
	--serial 'SN'
expect_err "would be the same"
expect_exit 64 idr gen --prefix 88.118.8 --kind package --count 2 --start 9999 \
	--sscc 690123412345
expect_err "the SSCC serial reference holds at most 9999"
expect_exit 64 idr gen --prefix 88.118.8 --kind product --count 1 --gtin 6901234567893
expect_err "wrong check digit 3 (expected 2)"
expect_exit 64 idr gen --prefix 88.118.8 --kind gizmo --count 1
expect_err "--kind 'gizmo'"

note "idr gen: products with GTIN, lot and serial; packages with SSCC"
ok idr gen --prefix 88.118.8 --kind product --count 20 --gtin 6901234.56789 --lot L7 \
	--pattern 'M-{serial}' --serial 'SN{seq:6}' --node-url "$NODE" -o "$T/m.csv"
assert_eq "$(sed -n 2p "$T/m.csv")" "88.118.8/M-SN000001,product,06901234567892,SN000001,L7,(01)06901234567892(10)L7(21)SN000001,https://id.gs1.org/01/06901234567892/10/L7/21/SN000001,$NODE/88.118.8/M-SN000001" "GTIN row"
ok idr import "$T/m.csv"
expect_out "20 created"
ok idr gen --prefix 88.118.8 --kind package --count 3 --sscc 0614141 --extension 1 \
	--start 123456789 --pattern 'K-{sscc}' -o "$T/k.csv"
assert_eq "$(sed -n 2p "$T/k.csv")" "88.118.8/K-106141411234567897,package,106141411234567897,(00)106141411234567897,https://id.gs1.org/00/106141411234567897" "SSCC row"
ok idr import "$T/k.csv"

note "idr label: errors"
expect_exit 3 idr label 88.118.8/NOPE --qr -o "$T/x.png" --node-url "$NODE"
expect_err "88.118.8/NOPE: not registered here"
expect_exit 1 idr label 88.118.8/P-202406-00041T --datamatrix -o "$T/x.png"
expect_err "has no GS1 key"
expect_exit 1 idr label 88.118.8/M-SN000001 --qr -o "$T/no/such/dir/x.png" --node-url "$NODE"
expect_err "cannot write $T/no/such/dir/x.png: No such file or directory"
expect_exit 1 idr label 88.118.8/P-202406-00041T --datamatrix -o "$T/x.png" \
	--gs1 '(01)06901234567893(21)1'
expect_err "Bad checksum '3', expected '2'"
[ ! -e "$T/x.png" ] || fail "a refused label wrote its file"
(unset IDR_NODE_URL; expect_exit 64 idr label 88.118.8/M-SN000001 --qr -o "$T/x.png")
expect_err "no node URL"
expect_exit 64 idr label 88.118.8/M-SN000001 --qr --datamatrix -o "$T/x.png"

note "idr label: PNG files"
ok idr label 88.118.8/P-202406-00041T --qr -o "$T/p.png" --node-url "$NODE/"
IDR_NODE_URL=$NODE ok idr label 88.118.8/M-SN000007 --qr -o "$T/m7q.png"
ok idr label 88.118.8/M-SN000007 --datamatrix -o "$T/m7.png"
expect_out "(01)06901234567892(10)L7(21)SN000007"
ok idr label 88.118.8/K-106141411234567897 --datamatrix -o "$T/k.png"
ok idr label 88.118.8/P-202406-00042R --datamatrix -o "$T/g.png" \
	--gs1 '(01)06901234567892(17)261231(10)LOT7(21)SN0001'
for f in p m7q m7 k g; do
	[ "$(head -c 8 "$T/$f.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		fail "$f.png is not a PNG file"
done

command -v ZXingReader >/dev/null 2>&1 || fail "ZXingReader is needed (deploy/deps.sh test)"
note "ZXingReader gives back what was encoded"
scan "$T/p.png"
assert_eq "$(cat "$T/scan")" "]Q1$NODE/88.118.8/P-202406-00041T" "QR of a part"
scan "$T/m7q.png"
assert_eq "$(cat "$T/scan")" "]Q1$(sed -n 8p "$T/m.csv" | cut -d, -f8)" "QR = the link column"
scan "$T/m7.png"
assert_eq "$(cat "$T/scan")" "]d201069012345678921""0L7${GS}21SN000007" "DataMatrix of a GTIN row"
scan "$T/k.png"
assert_eq "$(cat "$T/scan")" "]d200106141411234567897" "DataMatrix of an SSCC"
scan "$T/g.png"
assert_eq "$(cat "$T/scan")" "]d2010690123456789217261231""10LOT7${GS}21SN0001" \
	"DataMatrix of --gs1"
grep -q '^Content: *GS1' "$T/zx.txt" || fail "ZXingReader does not see a GS1 symbol"
note "ok"
