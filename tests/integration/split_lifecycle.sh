#!/usr/bin/env bash
# split_lifecycle.sh - `idr split` of the demo store (deploy/demo-data.sh: thousands of items,
# the supply-chain story with GS1 aliases, events and links across five enterprise prefixes)
# into sites of 2 and 3 servers: every record is on the server the Handle hash picks (0.NA/
# and identity records on every one), and for every story item its record, timeline, aliases
# and trace back and forward on its server equal those of the whole store, as do the scans
# and timelines of its aliases; a trace reaches nodes held by other servers (shown without
# their kind, the record being there). Every output gets the same token.key.
. "$(dirname "$0")/lib.sh"
: "${IDR_SRC:?IDR_SRC must point to the source tree}"

S=$T/src
note "the demo store"
ok sh "$IDR_SRC/deploy/demo-data.sh" "$IDR_BIN" "$S"
LC_ALL=C awk -v csv="$T/story.csv" -v doc="$T/story.json" -v node=https://localhost \
	-f "$IDR_SRC/deploy/demo-story.awk"
ok "$IDR_BIN" export --data "$S" -o "$T/src.jsonl"

for n in 2 3; do
	note "idr split --servers $n"
	ok "$IDR_BIN" split --servers "$n" --data "$S" --out "$T/s$n-"
	for k in $(seq 0 $((n - 1))); do
		expect_out "$T/s$n-$k: server $k of $n"
	done
	expect_out " aliases, "
	# one token.key for all (made in the first output: the demo store has none)
	for k in $(seq 0 $((n - 1))); do
		[ -f "$T/s$n-$k/token.key" ] || fail "server $k of $n has no token.key"
		assert_eq "$(stat -c %a "$T/s$n-$k/token.key")" 600 "mode of token.key of server $k"
		cmp -s "$T/s$n-0/token.key" "$T/s$n-$k/token.key" || fail "token.key of server $k differs"
	done
	[ ! -e "$S/token.key" ] || fail "split wrote into the source"
	for k in $(seq 0 $((n - 1))); do
		ok "$IDR_BIN" export --data "$T/s$n-$k" -o "$T/s$n-$k.jsonl"
	done
	python3 - "$IDR_BIN" "$S" "$T/s$n-" "$n" "$T/story.csv" "$T/src.jsonl" <<'PY' ||
import csv, hashlib, json, struct, subprocess, sys

idr, src, out, n, story, srcdump = sys.argv[1:7]
n = int(n)

def owner(h):
    if "/" not in h or h.split("/", 1)[0].upper() == "0.NA":
        return None
    d = hashlib.md5(h.upper().encode()).digest()
    return abs(struct.unpack(">i", d[-4:])[0]) % n

def run(*args):
    p = subprocess.run([idr, *args], capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode()

fails = []
def check(cond, what):
    if not cond:
        fails.append(what)

# records: each on its server only (0.NA/ and identity records on every server)
def lines(path):
    return {json.loads(l).get("handle"): l for l in open(path) if '"handle"' in l}
whole = lines(srcdump)
shards = [lines("%s%d.jsonl" % (out, k)) for k in range(n)]
for h, l in whole.items():
    o = owner(h)
    ident = any(v.get("type") in ("HS_PUBKEY", "HS_SECKEY", "HS_VLIST")
                for v in json.loads(l).get("values", []))
    for k in range(n):
        want = o is None or o == k or ident
        check((shards[k].get(h) == l) if want else (h not in shards[k]),
              "record %s on server %d" % (h, k))
for k in range(n):
    check(set(shards[k]) <= set(whole), "server %d has records the store has not" % k)

def trace_norm(text, k):
    d = json.loads(text)
    for node in d["nodes"]:
        o = owner(node["id"])
        if o is not None and o != k:
            node.pop("kind", None)  # the record is on its own server
            node["id"] = node["id"].upper()
        for f in ("parent",):
            if f in node:
                node[f] = node[f].upper()
    d["root"] = d["root"].upper()
    return d

items, aliases = [], []
for row in csv.DictReader(open(story, encoding="utf-8")):
    items.append(row["id"])
    if row.get("gs1"):
        aliases.append((row["gs1"], row["id"]))
items += ["88.118.8/P-%06d" % i for i in (1, 2, 3, 500, 1507)]
checked = 0
for h in items:
    k = owner(h)
    sk = "%s%d" % (out, k)
    for args in (["get", h], ["events", h, "--json"], ["alias", "list", h],
                 ["scan", h, "--json"]):
        a, b = run(*args, "--data", src), run(*args, "--data", sk)
        check(a == b, "%s on server %d: %r vs %r" % (" ".join(args), k, a, b))
    for d in ("--back", "--forward"):
        a = run("trace", h, d, "--format", "json", "--data", src)
        b = run("trace", h, d, "--format", "json", "--data", sk)
        check(a[0] == b[0] == 0 and trace_norm(a[1], k) == trace_norm(b[1], k),
              "trace %s %s on server %d:\n%s\nvs\n%s" % (h, d, k, a[1], b[1]))
    for j in range(n):
        if j != k:
            check(run("get", h, "--data", "%s%d" % (out, j))[0] == 3,
                  "%s found on server %d" % (h, j))
    checked += 1
for alias, h in aliases:
    sk = "%s%d" % (out, owner(h))
    for args in (["scan", alias, "--json"], ["events", alias, "--json"]):
        a, b = run(*args, "--data", src), run(*args, "--data", sk)
        check(a == b and a[0] == 0, "%s on its server: %r vs %r" % (" ".join(args), a, b))
    check(h.upper() in run("scan", alias, "--json", "--data", src)[1].upper(),
          "scan %s does not find %s" % (alias, h))
if fails:
    print("\n".join(fails[:20]), file=sys.stderr)
    sys.exit(1)
print("%d items, %d aliases compared on %d servers" % (checked, len(aliases), n))
PY
		fail "split into $n servers differs from the whole store"
done
note "ok"
