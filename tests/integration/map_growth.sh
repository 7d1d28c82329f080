#!/usr/bin/env bash
# map_growth.sh - the LMDB map grown by another process under a running idrd: `idr import
# --map-size` writes far beyond the 1 MiB map idrd opened with, and idrd keeps resolving, the
# new records too, over UDP, TCP and HTTP, with one notice in its log instead of an error per
# request; /healthz stays 200.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

N=6000
CSV=$T/rows.csv

note "a store with a 1 MiB map, one record, idrd on it"
ok "$IDR_BIN" init --data "$D" --node-prefix 88.118 --owner node --map-size 1M
ok "$IDR_BIN" prefix add 88.118.8 --data "$D" --owner maker
ok "$IDR_BIN" register 88.118.8/P-000001 --data "$D" --kind part --url https://example.com/p/1
idrd_conf "$T/idrd.conf"
start_idrd "$T/idrd.conf" "$T/idrd.log"
U=$(port_of udp)
TC=$(port_of tcp)
H=$(port_of http)
ok "$IDR_BIN" resolve 88.118.8/P-000001 --server "$U" --udp --json

note "idr import with a 64 MiB map writes $N records while idrd runs"
awk -v n="$N" 'BEGIN {
	print "id,kind,url,model,batch,material"
	for (i = 1; i <= n; i++) {
		printf "88.118.8/G-%06d,part,https://example.com/g/%d,MX-%d,B%05d,%0200d\n", i, i, i % 97, i, i
	}
}' >"$CSV"
ok "$IDR_BIN" import "$CSV" --data "$D" --map-size 64M
size=$(stat -c %s "$D/data.mdb")
[ "$size" -gt $((4 * 1024 * 1024)) ] || fail "data.mdb is only $size bytes: the map did not grow"

note "idrd still resolves, old and new records, on every transport"
for id in 88.118.8/P-000001 88.118.8/G-000001 "88.118.8/G-$(printf %06d "$N")"; do
	ok "$IDR_BIN" resolve "$id" --server "$U" --udp --json
	assert_eq "$(json_get "$OUT" 'd["responseCode"]')" 1 "$id over UDP"
	ok "$IDR_BIN" resolve "$id" --server "$TC" --tcp --json
	assert_eq "$(json_get "$OUT" 'd["responseCode"]')" 1 "$id over TCP"
	ok "$IDR_BIN" resolve "$id" --server "$H" --http --json
	assert_eq "$(json_get "$OUT" 'd["responseCode"]')" 1 "$id over HTTP"
done
ok curl -sS -o /dev/null -w '%{http_code}' "http://$H/healthz"
assert_eq "$(cat "$OUT")" 200 "/healthz after the map grew"
log_wait "$T/idrd.log" "the map was grown by another process"
errs=$(grep -c -E ' (warn|err): ' "$T/idrd.log" || true)
[ "$errs" -eq 0 ] || { cat "$T/idrd.log" >&2; fail "$errs warning/error lines in the idrd log"; }

note "a second growth is adopted as well"
awk -v n="$N" 'BEGIN {
	print "id,kind,url"
	for (i = 1; i <= n; i++) {
		printf "88.118.8/H-%06d,lot,https://example.com/h/%d/%0300d\n", i, i, i
	}
}' >"$CSV"
ok "$IDR_BIN" import "$CSV" --data "$D" --map-size 256M
ok "$IDR_BIN" resolve "88.118.8/H-$(printf %06d "$N")" --server "$U" --udp --json
assert_eq "$(json_get "$OUT" 'd["responseCode"]')" 1 "a record of the second import"
stop_idrd "$T/idrd.log"
