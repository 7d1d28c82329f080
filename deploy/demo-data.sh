#!/bin/sh
# demo-data.sh - create (or complete) a demo data directory: node prefix 88.118 and five
# enterprise prefixes. Under 88.118.8 and 88.118.9, a few thousand generated items of every
# kind (parts, work in progress, process steps, products, lots, packages) with plausible
# attributes, loaded with `idr import`. Across all five, the supply-chain story of
# deploy/demo-story.awk: a foundry (88.118.10) casts lots of reducer housings, the machining
# shop (88.118.8) turns them into parts through three process steps, bearings (88.118.11) and
# motor controllers (88.118.9) come from two more suppliers, and a new-energy-vehicle maker
# (88.118.12) assembles e-drive reducers and vehicles: items with GS1 aliases (GTIN + serial,
# SSCC) and their lifecycle events (idr event import, idr event add). Deterministic (fixed
# identifiers and event times), so running it again changes nothing.
#   deploy/demo-data.sh IDR_BINARY [DATA_DIR]     (DATA_DIR default: $IDR_DATA or ./idr-data)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
idr=${1:?usage: demo-data.sh IDR_BINARY [DATA_DIR]}
data=${2:-${IDR_DATA:-./idr-data}}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/idr-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$idr" init --data "$data" --node-prefix 88.118 --owner "示范二级节点（机械制造行业）"
"$idr" prefix add 88.118.8 --owner "苏州精工机械制造有限公司" --data "$data"
"$idr" prefix add 88.118.9 --owner "宁波华新电子科技有限公司" --data "$data"
"$idr" prefix add 88.118.10 --owner "苏州吴中精铸科技有限公司" --data "$data"
"$idr" prefix add 88.118.11 --owner "无锡恒润精密轴承有限公司" --data "$data"
"$idr" prefix add 88.118.12 --owner "苏州驰远新能源汽车有限公司" --data "$data"

# gen PREFIX NPARTS NWIP NSTEPS NPRODUCTS NLOTS NPACKAGES: one CSV with every kind. Columns
# that do not apply to a kind stay empty (no attribute).
gen() {
	LC_ALL=C awk -v pfx="$1" -v np="$2" -v nw="$3" -v ns="$4" -v nm="$5" -v nl="$6" -v nk="$7" '
	function date(i) { return sprintf("2024-%02d-%02d", (i % 12) + 1, (i % 28) + 1) }
	function url(id) { return "https://trace.example.cn/" id }
	function row(id, kind, name, model, batch, material, station, operator, produced, qty, parent) {
		printf "%s,%s,%s,\"%s\",%s,%s,\"%s\",%s,%s,%s,%s,%s\n", id, kind, url(id), name,
			model, batch, material, station, operator, produced, qty, parent
	}
	BEGIN {
		split("轴承座|齿轮轴|法兰盘|端盖|传动轴|电路板|连接器|外壳", parts, "|")
		split("45钢, 调质|6061-T6 铝合金, 阳极氧化|QT500-7 球墨铸铁|FR-4 环氧玻纤板|PA66-GF30 尼龙", mats, "|")
		split("下料|粗车|精车|铣削|热处理|磨削|装配|检验|包装|SMT贴片", steps, "|")
		split("张伟|王芳|李娜|刘洋|陈杰|杨静", ops, "|")
		split("数控机床主轴单元|减速机|伺服控制器|工业网关", products, "|")
		print "id,kind,url,name,model,batch,material,station,operator,produced,quantity,parent"
		for (i = 1; i <= ns; i++)
			row(sprintf("%s/S-%03d", pfx, i), "process", steps[(i - 1) % 10 + 1] "工序",
			    "", "", "", sprintf("LINE-%02d/ST-%02d", (i - 1) % 4 + 1, i), "", "", "", "")
		for (i = 1; i <= nl; i++)
			row(sprintf("%s/L-2024%04d", pfx, i), "lot", "生产批次", "", sprintf("B2024%04d", i),
			    mats[i % 5 + 1], "", "", date(i), 50 + i % 150, "")
		for (i = 1; i <= np; i++)
			row(sprintf("%s/P-%06d", pfx, i), "part", parts[i % 8 + 1], sprintf("PT-%03d", i % 40),
			    sprintf("B2024%04d", i % nl + 1), mats[i % 5 + 1],
			    sprintf("%s/S-%03d", pfx, i % ns + 1), ops[i % 6 + 1], date(i), "", "")
		for (i = 1; i <= nw; i++)
			row(sprintf("%s/W-%06d", pfx, i), "wip", parts[i % 8 + 1] "（在制）",
			    sprintf("PT-%03d", i % 40), sprintf("B2024%04d", i % nl + 1), mats[i % 5 + 1],
			    sprintf("%s/S-%03d", pfx, i % ns + 1), ops[i % 6 + 1], date(i), "", "")
		for (i = 1; i <= nm; i++)
			row(sprintf("%s/M-%05d", pfx, i), "product", products[i % 4 + 1],
			    sprintf("MX-%d%02d", 2024, i % 30), sprintf("B2024%04d", i % nl + 1), "",
			    sprintf("%s/S-%03d", pfx, ns), ops[i % 6 + 1], date(i), "", "")
		for (i = 1; i <= nk; i++)
			row(sprintf("%s/K-%05d", pfx, i), "package", i % 5 == 0 ? "托盘" : "包装箱", "",
			    sprintf("B2024%04d", i % nl + 1), "瓦楞纸箱", "", ops[i % 6 + 1], date(i),
			    i % 5 == 0 ? 40 : 8, sprintf("%s/M-%05d", pfx, i % nm + 1))
	}' >"$tmp/$1.csv"
}

gen 88.118.8 1500 600 40 300 60 150
gen 88.118.9 800 200 20 200 30 50
for p in 88.118.8 88.118.9; do
	"$idr" import --data "$data" "$tmp/$p.csv"
done

# the story: items (GS1 aliases from the gs1 column), then their events; a vehicle's arrival
# at the dealer is recorded by the dealer's scanner, one `idr event add` per vehicle
LC_ALL=C awk -v csv="$tmp/story.csv" -v doc="$tmp/story.json" -v node=https://localhost \
	-f "$here/demo-story.awk"
"$idr" import --data "$data" --alias gs1 "$tmp/story.csv"
"$idr" event import --data "$data" "$tmp/story.json"
grep '^88\.118\.12/V-' "$tmp/story.csv" | cut -d, -f1 >"$tmp/vehicles"
n=0
while read -r v; do
	n=$((n + 1))
	"$idr" event add "$v" --biz-step receiving --disposition in_progress \
		--read-point 88.118.12/S-DLR-SZ01 --time "2024-05-17T10:0$n:00+08:00" --data "$data" \
		>/dev/null
done <"$tmp/vehicles"
echo "story: $n vehicles received at the dealer"
