#!/usr/bin/env bash
# event_remote.sh - `idr event add|import` and `idr events` with --node against the real idrd
# over HTTPS, compared with the same commands on a local data directory: the same event ids,
# the same timelines. Import of an EPCIS 2.0 document and of CSV rows in documents of --batch
# events; a document the node refuses stops the import naming the event and how many events
# were captured before it; a bad CSV row is named by line and column and nothing is sent or
# stored; usage errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

for tool in curl openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done

make_data
ok "$IDR_BIN" prefix add 88.118.9 --data "$D" --owner "另一家企业"
NODEPW_HASH=$(printf '%s' 'node pw' | openssl sha1 -r | cut -d' ' -f1)
cat >"$T/ids.jsonl" <<EOT
{"handle":"88.118/NODEADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"$NODEPW_HASH","permissions":"1100"}]}
{"handle":"88.118.8/ADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"s3cret","permissions":"1100"}]}
EOT
ok "$IDR_BIN" import "$T/ids.jsonl" --data "$D"
printf 's3cret\n' >"$T/sec.txt"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
	fail "openssl could not make a certificate"
idrd_conf "$T/idrd.conf" "https_listen 127.0.0.1:0" "tls_cert $T/cert.pem" "tls_key $T/key.pem" \
	"server_admins 300:88.118/NODEADMIN"
start_idrd "$T/idrd.conf" "$T/idrd.log"
S=$(port_of https)
# the node administrator names the enterprise's identity in the prefix's admin group
code=$(curl -sS -o "$T/body" -w '%{http_code}' --cacert "$T/cert.pem" -X PUT \
	-u '300%3A88.118/NODEADMIN:node pw' -H 'Content-Type: application/json' --data-binary \
	'[{"index":300,"type":"HS_VLIST","data":{"format":"vlist","value":[{"handle":"88.118.8/ADMIN","index":300}]}}]' \
	"https://$S/api/handles/0.NA/88.118.8?index=300")
[ "$code" = 201 ] || { cat "$T/body" >&2; fail "adding the admin group: HTTP $code"; }
R=(--node "https://$S" --cacert "$T/cert.pem" --id 300:88.118.8/ADMIN --secret-file "$T/sec.txt")
L=$T/local
ok "$IDR_BIN" init --data "$L" --node-prefix 88.118

# both CMD...: run CMD locally (--data $L) and over --node; both outputs kept in $T/l, $T/r
both() {
	ok "$IDR_BIN" "$@" --data "$L"
	cp "$OUT" "$T/l"
	ok "$IDR_BIN" "$@" "${R[@]}"
	cp "$OUT" "$T/r"
}
same() { # same WHAT: the two outputs are equal
	cmp -s "$T/l" "$T/r" || { diff "$T/l" "$T/r" >&2 || true; fail "$1: local and remote differ"; }
}

note "event add"
both event add 88.118.8/P-000001 --biz-step commissioning --read-point 88.118.8/S-LINE1 \
	--time 2024-03-01T08:00:00+08:00
same "commissioning"
grep -q '^captured ni:///sha-256;[0-9a-f]\{64\}?ver=CBV2.0$' "$T/r" || fail "no event id: $(cat "$T/r")"
ok "$IDR_BIN" event add 88.118.8/P-000001 --biz-step commissioning \
	--read-point 88.118.8/S-LINE1 --time 2024-03-01T08:00:00+08:00 "${R[@]}"
expect_out "unchanged (captured before) $(cut -d' ' -f2 "$T/r")"
both event add 88.118.8/P-000001 --biz-step packing --parent 88.118.8/PALLET-1 \
	--time 2024-03-02T08:00:00+08:00
same "packing"
both event add 88.118.8/W-1 --biz-step assembling --input 88.118.8/P-000001,88.118.8/P-SHAFT \
	--time 2024-03-03T08:00:00+08:00
same "assembling"
both event add 88.118.8/W-1 --biz-step assembling --input 88.118.8/P-SHAFT \
	--output 88.118.8/W-2,88.118.8/W-3 --time 2024-03-03T09:00:00+08:00
same "a transformation with outputs (POST /events)"

note "event import: an EPCIS 2.0 document in documents of 2 events"
U=https://localhost
ev() { # ev ID DAY STEP
	printf '{"type":"ObjectEvent","eventTime":"2024-03-%02dT08:00:00+08:00","eventTimeZoneOffset":"+08:00","epcList":["%s/%s"],"action":"OBSERVE","bizStep":"%s"}' \
		"$2" "$U" "$1" "$3"
}
doc() { # doc EVENT...
	printf '{"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-03-01T00:00:00Z","epcisBody":{"eventList":[%s]}}' \
		"$(IFS=,; echo "$*")"
}
doc "$(ev 88.118.8/PALLET-1 4 shipping)" "$(ev 88.118.8/PALLET-1 5 receiving)" \
	"$(ev 88.118.8/P-000001 6 inspecting)" >"$T/doc.json"
ok "$IDR_BIN" event import "$T/doc.json" --data "$L"
expect_out "3 captured, 0 unchanged, 0 bad events"
ok "$IDR_BIN" event import "$T/doc.json" "${R[@]}" --batch 2
expect_out "3 events captured in 2 documents"
ok "$IDR_BIN" event import "$T/doc.json" "${R[@]}"
expect_out "3 events captured in 1 documents"

note "event import: CSV rows"
cat >"$T/ev.csv" <<'EOT'
type,id,parent,inputs,time,biz_step,disposition,read_point
object,"88.118.8/P-000001;88.118.8/P-SHAFT",,,2024-03-07T08:00:00+08:00,shipping,in_transit,88.118.8/DOCK
aggregation,88.118.8/P-SHAFT,88.118.8/PALLET-2,,2024-03-07T07:00:00+08:00,packing,,
transformation,88.118.8/W-9,,"88.118.8/W-1, 88.118.8/W-2",2024-03-08T08:00:00Z,assembling,,
object,"urn:epc:id:sgtin:6901234.056789.SN0001;88.118.8/W-9",,,2024-03-08T09:00:00+08:00,receiving,,
EOT
ok "$IDR_BIN" event import "$T/ev.csv" --data "$L"
expect_out "4 captured, 0 unchanged, 0 bad events"
ok "$IDR_BIN" event import "$T/ev.csv" "${R[@]}" --batch 3
expect_out "4 events captured in 2 documents"
cp "$T/ev.csv" "$T/ev.txt"
ok "$IDR_BIN" event import "$T/ev.txt" --csv --data "$L"
expect_out "0 captured, 4 unchanged, 0 bad events"

note "events: the same timelines, the same ids"
for id in 88.118.8/P-000001 88.118.8/P-SHAFT 88.118.8/W-1 88.118.8/PALLET-1 88.118.8/S-LINE1 \
	urn:epc:id:sgtin:6901234.056789.SN0001; do
	ok "$IDR_BIN" events "$id" --data "$L"
	cp "$OUT" "$T/l"
	[ -s "$T/l" ] || fail "no local events of $id"
	ok "$IDR_BIN" events "$id" --node "https://$S" --cacert "$T/cert.pem"
	cp "$OUT" "$T/r"
	same "the timeline of $id"
	ok "$IDR_BIN" events "$id" --data "$L" --json
	grep -o '"eventID":"[^"]*"' "$OUT" >"$T/l"
	[ "$(wc -l <"$T/l")" = "$(wc -l <"$OUT")" ] || fail "an event of $id without its id"
	ok "$IDR_BIN" events "$id" --json "${R[@]}"
	grep -o '"eventID":"[^"]*"' "$OUT" >"$T/r"
	same "the event ids of $id"
done
ok "$IDR_BIN" events 88.118.8/P-000001 --data "$L"
assert_eq "$(wc -l <"$OUT")" 5 "the timeline of P-000001"
expect_out "2024-03-07T08:00:00.000+08:00  ObjectEvent"
ok "$IDR_BIN" events 88.118.8/P-000001 --node "https://$S" --cacert "$T/cert.pem" --limit 2 \
	--from 2024-03-02T00:00:00Z
assert_eq "$(wc -l <"$OUT")" 2 "--limit and --from over --node"
expect_out "2024-03-02T08:00:00.000+08:00  AggregationEvent"

note "a document the node refuses stops the import"
doc "$(ev 88.118.8/Q-1 10 shipping)" "$(ev 88.118.8/Q-1 11 receiving)" \
	"$(ev 88.118.9/OTHER-1 12 shipping)" "$(ev 88.118.8/Q-1 13 inspecting)" >"$T/bad.json"
expect_exit 1 "$IDR_BIN" event import "$T/bad.json" "${R[@]}" --batch 2
expect_err "document 2 (eventList[2] to eventList[3]) was not captured"
expect_err "eventList[2]: 300:88.118.8/ADMIN may write no item it names (HS_ADMIN) (HTTP 403)"
expect_err "the 2 events of the 1 documents before it are captured"
ok "$IDR_BIN" events 88.118.8/Q-1 --node "https://$S" --cacert "$T/cert.pem"
assert_eq "$(wc -l <"$OUT")" 2 "the first document was captured, the second not"

note "bad CSV rows: named, nothing captured or sent"
printf 'id,biz_step,time\n88.118.8/Z-1,shipping,\n88.118.8/Z-1,flying,\n88.118.8/Z-1,receiving,yesterday\n' >"$T/bad.csv"
expect_exit 1 "$IDR_BIN" event import "$T/bad.csv" --data "$L"
expect_err "bad.csv: line 3, column biz_step: bizStep"
expect_err "bad.csv: line 4, column time: 'yesterday'"
expect_err "nothing captured"
expect_exit 1 "$IDR_BIN" event import "$T/bad.csv" "${R[@]}"
expect_err "line 3, column biz_step"
ok "$IDR_BIN" events 88.118.8/Z-1 --data "$L"
assert_eq "$(wc -c <"$OUT")" 0 "nothing stored locally"
ok "$IDR_BIN" events 88.118.8/Z-1 --node "https://$S" --cacert "$T/cert.pem"
assert_eq "$(wc -c <"$OUT")" 0 "nothing sent"

note "usage errors"
expect_exit 64 "$IDR_BIN" event import "$T/ev.csv" "${R[@]}" --batch 0
expect_err "--batch"
expect_exit 64 "$IDR_BIN" event add 88.118.8/X --biz-step shipping --node "https://$S"
expect_err "--node needs --id"
expect_exit 64 "$IDR_BIN" event import "$T/ev.csv" "${R[@]}" --data "$L"
expect_exit 64 "$IDR_BIN" events 88.118.8/Q-1 --node "https://$S" --data "$L"
expect_err "give one of them"
ok "$IDR_BIN" events --help
expect_out "--node URL"

stop_idrd "$T/idrd.log"
