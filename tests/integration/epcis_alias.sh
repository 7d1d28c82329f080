#!/usr/bin/env bash
# epcis_alias.sh - EPCIS identifiers join the handles they are aliases of (life/capture.h, reg.h
# aliases), against the real idrd: a GS1-example-style document with EPC URNs and Digital Links
# captured over POST /capture; X-1's alias (its EPC URN) registered before the capture, X-2's
# (its GS1 element string) after it. Either way the handle's events (/api/v1/items/{h}/events,
# GET /events MATCH_*, the scan API, idr events) and traces (/api/v1/trace, idr trace) are the
# same whether the item is named by handle, URL, EPC URN or Digital Link.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

for tool in curl openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done

URN1=urn:epc:id:sgtin:0614141.107346.2017
DL1=https://id.gs1.org/01/10614141073464/21/2017
URN2=urn:epc:id:sgtin:0614141.107346.2018
DL2=https://example.com/shop/01/10614141073464/21/2018?17=261231
HRI2='(01)10614141073464(21)2018'
SSCC=urn:epc:id:sscc:0614141.1234567890

make_data
NODEPW_HASH=$(printf '%s' 'node pw' | openssl sha1 -r | cut -d' ' -f1)
cat >"$T/ids.jsonl" <<EOT
{"handle":"88.118/NODEADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"$NODEPW_HASH","permissions":"1100"}]}
EOT
ok "$IDR_BIN" import "$T/ids.jsonl" --data "$D"
ok "$IDR_BIN" register 88.118.8/X-1 --data "$D" --kind product --url https://example.com/x/1
ok "$IDR_BIN" register 88.118.8/X-2 --data "$D" --kind product --url https://example.com/x/2
note "X-1's alias before any capture"
ok "$IDR_BIN" alias add 88.118.8/X-1 --data "$D" "$URN1"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
	fail "openssl could not make a certificate"
idrd_conf "$T/idrd.conf" "https_listen 127.0.0.1:0" "tls_cert $T/cert.pem" "tls_key $T/key.pem" \
	"server_admins 300:88.118/NODEADMIN"
start_idrd "$T/idrd.conf" "$T/idrd.log"
H=$(port_of http)
S=$(port_of https)
NODE='300%3A88.118/NODEADMIN:node pw'

# req METHOD PATH [BODY]: HTTPS as the node administrator; status in $code, body in $T/body
req() {
	args=(-sS -o "$T/body" -w '%{http_code}' --cacert "$T/cert.pem" -X "$1" -u "$NODE")
	[ -n "${3:-}" ] && args+=(-H "Content-Type: application/ld+json" --data-binary "$3")
	code=$(curl "${args[@]}" "https://$S$2")
}
expect() { # expect STATUS WHAT
	[ "$code" = "$1" ] || { cat "$T/body" >&2; fail "$2: HTTP $code, want $1"; }
	json_valid "$T/body"
}
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
steps() { # the bizSteps of the events of the last answer, in order
	json_get "$T/body" '" ".join(e["bizStep"] for e in d["epcisBody"]["queryResults"]["resultsBody"]["eventList"])'
}
q() { # q PATH WANT WHAT: the bizSteps a query answers
	req GET "$1"
	expect 200 "$3"
	assert_eq "$(steps)" "$2" "$3"
}
nodes() { json_get "$T/body" '" ".join(sorted(n["id"] for n in d["nodes"]))'; }

ctx='"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]'
doc() { # doc EVENT...: an EPCISDocument
	printf '{%s,"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-03-01T00:00:00Z","epcisBody":{"eventList":[%s]}}' \
		"$ctx" "$(IFS=,; echo "$*")"
}
ev() { # ev TYPE DAY BIZSTEP MEMBERS
	printf '{"type":"%s","eventTime":"2024-03-%02dT08:00:00+01:00","eventTimeZoneOffset":"+01:00","bizStep":"%s",%s}' \
		"$1" "$2" "$3" "$4"
}
COMMISSION=$(ev ObjectEvent 1 commissioning '"action":"ADD","epcList":["'$URN1'"],"readPoint":{"id":"urn:epc:id:sgln:0614141.00777.0"}')
INSPECT=$(ev ObjectEvent 2 inspecting '"action":"OBSERVE","epcList":["'$DL1'"]')
PACK=$(ev AggregationEvent 3 packing '"action":"ADD","parentID":"'$SSCC'","childEPCs":["'$URN1'"]')
MAKE=$(ev TransformationEvent 4 assembling '"inputEPCList":["'$DL1'"],"outputEPCList":["'$URN2'"]')
SHIP2=$(ev ObjectEvent 5 shipping '"action":"OBSERVE","epcList":["'$DL2'"]')

note "capture: X-1 joined at capture, X-2 (no alias yet) keyed by its GS1 identity"
req POST /capture "$(doc "$COMMISSION" "$INSPECT" "$PACK" "$MAKE" "$SHIP2")"
expect 202 "POST /capture"
assert_eq "$(json_get "$T/body" 'd["success"]')" True "capture success"
q "/events?MATCH_anyEPC=$(enc "$URN2")" "assembling shipping" "X-2 by EPC before its alias"
q '/api/v1/items/88.118.8/X-2/events' "" "X-2 by handle before its alias"

note "X-2's alias after the capture (its GS1 element string)"
ok "$IDR_BIN" alias add 88.118.8/X-2 --data "$D" "$HRI2"

for item in 1 2; do
	if [ $item = 1 ]; then
		steps_of="commissioning inspecting packing assembling"
		ids="88.118.8/X-1 https://node.example/88.118.8/x-1 $URN1 $DL1"
	else
		steps_of="assembling shipping"
		ids="88.118.8/X-2 https://$S/88.118.8/X-2 $URN2 $DL2 $HRI2"
	fi
	q "/api/v1/items/88.118.8/X-$item/events" "$steps_of" "X-$item: its item events"
	for id in $ids; do
		q "/events?MATCH_anyEPC=$(enc "$id")" "$steps_of" "X-$item: MATCH_anyEPC=$id"
		ok "$IDR_BIN" events "$id" --data "$D"
		assert_eq "$(grep -oE 'commissioning|inspecting|packing|assembling|shipping' "$OUT" |
			tr '\n' ' ' | sed 's/ $//')" "$steps_of" "X-$item: idr events $id"
	done
done
q "/events?MATCH_epc=$(enc "$DL1")" "commissioning inspecting packing" "MATCH_epc (epcList, childEPCs)"
q "/events?MATCH_inputEPC=$(enc "$URN1")" "assembling" "MATCH_inputEPC"
q "/events?MATCH_outputEPC=$(enc "$DL2")" "assembling" "MATCH_outputEPC"
q "/events?MATCH_outputEPC=88.118.8/X-2" "assembling" "MATCH_outputEPC by handle"
q "/events?MATCH_parentID=$(enc "$SSCC")" "packing" "MATCH_parentID of the case"
q "/events?MATCH_parentID=$(enc "$URN1")" "" "MATCH_parentID of a child"
q "/events?MATCH_anyEPC=$(enc "https://id.gs1.org/00/106141412345678908")" "packing" \
	"the case by its Digital Link"

note "the documents are stored as captured"
req GET "/events?MATCH_anyEPC=88.118.8/X-1"
assert_eq "$(json_get "$T/body" 'd["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]["epcList"][0]')" \
	"$URN1" "the EPC URN as captured"

note "traces: the case holds X-1, X-2 is made of X-1, from any spelling"
req GET "/api/v1/trace/$SSCC?direction=back&format=json"
expect 200 "back trace of the case"
assert_eq "$(nodes)" "(00)106141412345678908 88.118.8/X-1" "back trace of the case"
for id in 88.118.8/X-2 "$URN2" "$DL2"; do
	req GET "/api/v1/trace/$(enc "$id")?direction=back&format=json"
	expect 200 "back trace of $id"
	assert_eq "$(nodes)" "88.118.8/X-1 88.118.8/X-2" "back trace of $id"
	ok "$IDR_BIN" trace "$id" --back --format json --data "$D"
	assert_eq "$(json_get "$OUT" '" ".join(sorted(n["id"] for n in d["nodes"]))')" \
		"88.118.8/X-1 88.118.8/X-2" "idr trace $id"
done
req GET "/api/v1/trace/$URN1?direction=forward&format=json"
expect 200 "forward trace of X-1"
assert_eq "$(nodes)" "(00)106141412345678908 88.118.8/X-1 88.118.8/X-2" "forward trace of X-1"

note "the scan API's recent events"
for code in "$URN1" "$DL1"; do
	c=$(curl -s -o "$T/body" -w '%{http_code}' "http://$H/api/v1/scan?code=$(enc "$code")")
	[ "$c" = 200 ] || fail "scan $code: HTTP $c"
	assert_eq "$(json_get "$T/body" '(d["handle"], " ".join(e["bizStep"] for e in d["events"]))')" \
		"('88.118.8/X-1', 'commissioning inspecting packing assembling')" "scan $code"
done

stop_idrd "$T/idrd.log"
