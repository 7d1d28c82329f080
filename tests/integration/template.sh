#!/usr/bin/env bash
# template.sh - `idr template` end to end: a draft from the national JSON, items added and
# disabled, show/list (text and JSON), check with every error named, publish (then every
# change is refused), withdraw, registrations through `idr import` checked against the
# published version, a new version --from an old one, and the audit over it all.
. "$(dirname "$0")/lib.sh"

note "setup"
ok idr init --node-prefix 88.118 --owner "测试二级节点"
ok idr prefix add 88.118.8 --owner "Acme"
ok idr help template
expect_out "usage: idr template create"
ok idr template --help
expect_out "GB/T 4754"
expect_exit 64 idr template
expect_exit 64 idr template frob
expect_exit 64 idr template create 88.118.8 1.0

note "create a draft from the national JSON"
cat >"$T/t.json" <<'JSON'
{"industryCategory":"C","industrySpecific":"34","industryTrade":"341","industrySubclass":"3411",
 "type":1,"description":"紧固件","items":[
 {"name":"名称","idType":"title","idIndex":"2000","required":true,
  "metadata":{"type":"string","minLength":1,"maxLength":8}},
 {"name":"重量","idType":"weight","idIndex":2003,"metadata":{"type":"number","maximum":10}},
 {"name":"生产日期","idType":"made","metadata":{"type":"date"}}]}
JSON
ok idr template create 88.118.8 1.0 --file "$T/t.json"
expect_out "created template 88.118.8 version 1.0"
ok idr template create 88.118.8 1.0 --file "$T/t.json"
expect_out "unchanged"
sed 's/{"industryCategory"/{"prefix":"88.118.7","industryCategory"/' "$T/t.json" >"$T/bad.json"
expect_exit 1 idr template create 88.118.8 1.0 --file "$T/bad.json"
expect_err "the file's prefix is not 88.118.8"
sed 's/"C"/"U"/' "$T/t.json" >"$T/bad.json"
expect_exit 1 idr template create 88.118.8 2.0 --file "$T/bad.json"
expect_err "industryCategory: 'U' is not a GB/T 4754 section letter A..T"
sed 's/"maxLength":8/"maxLenght":8/' "$T/t.json" >"$T/bad.json"
expect_exit 1 idr template create 88.118.8 2.0 --file "$T/bad.json"
expect_err "maxLenght: unknown member (did you mean 'maxLength'?)"
expect_exit 1 idr template create 88.118.9 1.0 --file - <"$T/t.json"
expect_err "prefix is not hosted"

note "items: add, disable (never deleted)"
echo '{"name":"颜色","idType":"color","metadata":{"type":"enum","enum":["red","blue"]}}' >"$T/item.json"
ok idr template item add 88.118.8 1.0 --file "$T/item.json"
expect_out "added item color (2005)"
echo '{"name":"旧","idType":"old","metadata":{}}' >"$T/old.json"
ok idr template item add 88.118.8 1.0 --file "$T/old.json"
ok idr template item disable 88.118.8 1.0 old
expect_out "disabled item old"
ok idr template show 88.118.8 1.0
expect_out "DISABLED"
expect_out "template 88.118.8 version 1.0: draft"
ok idr template show 88.118.8 1.0 --json
json_valid "$OUT"
expect_out '"templateState":"draft"'
expect_out '"idType":"old","idIndex":2006,"required":false,"state":0'

note "check: every error names the item and the rule"
ok idr template check 88.118.8 1.0 title=螺栓 weight=10 made=2024-02-29 color=red
expect_out "not published"
expect_exit 1 idr template check 88.118.8 1.0 weight=12.5 made=2023-02-29 color=green
expect_err "4 errors"
expect_err "weight (2003): number 12.5 above maximum 10"
expect_err "made (2004): '2023-02-29' is not a date YYYY-MM-DD"
expect_err "color (2005): 'green' is not one of: red, blue"
expect_err "title (2000): required but missing (名称)"
expect_exit 1 idr template check 88.118.8 1.0 nosuch=1
expect_err "nosuch: not an item of template 88.118.8 1.0"

note "registration against a draft is refused"
printf '%s\n' '{"handle":"88.118.8/B-1","kind":"part","values":[{"index":1001,"type":"TEMPLATE","data":{"format":"string","value":"1.0"}},{"index":2000,"type":"title","data":{"format":"string","value":"螺栓"}}]}' >"$T/good.jsonl"
expect_exit 2 idr import "$T/good.jsonl"
expect_err "is draft: only a published version accepts registrations"

note "publish: immutable afterwards"
expect_exit 1 idr template withdraw 88.118.8 1.0
expect_err "only a published version can be withdrawn"
ok idr template publish 88.118.8 1.0
expect_out "published template 88.118.8 version 1.0"
ok idr template publish 88.118.8 1.0
expect_out "unchanged"
expect_exit 1 idr template item add 88.118.8 1.0 --file "$T/item.json"
expect_err "is published: a published version never changes"
expect_exit 1 idr template item disable 88.118.8 1.0 weight
expect_err "is published"
expect_exit 1 idr template update 88.118.8 1.0 --file "$T/t.json"
expect_err "is published"

note "registrations checked against the published version"
ok idr import "$T/good.jsonl"
ok idr get 88.118.8/B-1
expect_out "螺栓"
printf '%s\n' '{"handle":"88.118.8/B-2","kind":"part","values":[{"index":1001,"type":"TEMPLATE","data":{"format":"string","value":"1.0"}},{"index":2000,"type":"title","data":{"format":"string","value":"螺栓"}},{"index":2003,"type":"weight","data":{"format":"string","value":"12.5"}}]}' >"$T/bad.jsonl"
expect_exit 2 idr import "$T/bad.jsonl"
expect_err "weight (2003): number 12.5 above maximum 10"
expect_exit 3 idr get 88.118.8/B-2

note "withdraw; a new version from the old one"
ok idr template withdraw 88.118.8 1.0
expect_out "withdrawn template"
ok idr template create 88.118.8 1.1 --from 1.0
ok idr template list 88.118.8
expect_out "1.0              withdrawn"
expect_out "1.1              draft"
ok idr template list 88.118.8 --json
json_valid "$OUT"
assert_eq "$(json_get "$OUT" 'len(d)')" 2 "versions"
assert_eq "$(json_get "$OUT" 'd[1]["items"][4]["state"]')" 0 "disabled item copied"

note "audit"
ok idr audit verify
echo "PASS: $TEST_NAME"
