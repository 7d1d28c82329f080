# story.awk - the supply-chain story of the demo data (deploy/demo-data.sh runs it): a foundry
# casts lots of reducer housings, a machining shop turns each housing into a finished part
# through three process steps (work in progress in between), a bearing supplier and an
# electronics supplier deliver bearings and motor controllers, and a new-energy-vehicle maker
# assembles e-drive reducers, ships them on a pallet to its vehicle plant and builds vehicles
# that go to a dealer. Writes the items as CSV for `idr import --alias gs1` (file `csv`) and
# their events as one EPCIS 2.0 document for `idr event import` (file `doc`); the dealer's
# receiving is left to `idr event add`. Fixed identifiers and times: the same files every run.
#   awk -v csv=FILE -v doc=FILE -v node=https://localhost -f story.awk
function mod10(s,   i, sum, w) {	# GS1 check digit of the digits s
	sum = 0
	w = 3
	for (i = length(s); i >= 1; i--) {
		sum += substr(s, i, 1) * w
		w = 4 - w
	}
	return (10 - sum % 10) % 10
}
function vin(head, tail,   s, i, c, sum, r) {	# ISO 3779 VIN with its check character
	s = head "0" tail
	sum = 0
	for (i = 1; i <= 17; i++) {
		c = substr(s, i, 1)
		sum += (c ~ /[0-9]/ ? c + 0 : VT[c]) * W[i]
	}
	r = sum % 11
	return head (r == 10 ? "X" : r) tail
}
function item(id, kind, name, model, material, lotv, spec, made, gs1) {
	printf "%s,%s,\"%s\",%s,\"%s\",%s,\"%s\",%s,%s\n", id, kind, name, model, material, lotv,
		spec, made, gs1 > csv
}
function uri(h) {
	return "\"" node "/" h "\""
}
function uris(list,   a, n, i, s) {
	n = split(list, a, " ")
	s = ""
	for (i = 1; i <= n; i++)
		s = s (i > 1 ? "," : "") uri(a[i])
	return "[" s "]"
}
# one event: where it was seen (readPoint, a process step); where the goods are afterwards
# (bizLocation) only when they arrive somewhere (receiving, unpacking)
function ev(type, t, body, rp, extra,   loc) {
	loc = body ~ /"bizStep":"(receiving|unpacking)"/ ? ",\"bizLocation\":{\"id\":" uri(rp) "}" : ""
	printf "%s\n{\"type\":\"%s\",\"eventTime\":\"%s+08:00\",\"eventTimeZoneOffset\":\"+08:00\"," \
		"%s,\"readPoint\":{\"id\":%s}%s%s}", nev++ ? "," : "", type, t, body, uri(rp), loc,
		extra > doc
}
function obj(t, epcs, step, disp, rp, extra) {
	ev("ObjectEvent", t, sprintf("\"action\":\"OBSERVE\",\"epcList\":%s,\"bizStep\":\"%s\"," \
		"\"disposition\":\"%s\"", uris(epcs), step, disp), rp, extra)
}
function trx(t, ins, outs, step, rp) {
	ev("TransformationEvent", t, sprintf("\"inputEPCList\":%s,\"outputEPCList\":%s," \
		"\"bizStep\":\"%s\",\"disposition\":\"in_progress\"", uris(ins), uris(outs), step), rp)
}
function agg(t, action, parent, kids, step, disp, rp) {
	ev("AggregationEvent", t, sprintf("\"action\":\"%s\",\"parentID\":%s,\"childEPCs\":%s," \
		"\"bizStep\":\"%s\",\"disposition\":\"%s\"", action, uri(parent), uris(kids), step,
		disp), rp)
}
function parties(from, to) {	# sourceList and destinationList: owning party then possessing
	return sprintf(",\"sourceList\":[{\"type\":\"owning_party\",\"source\":%s}]," \
		"\"destinationList\":[{\"type\":\"owning_party\",\"destination\":%s}]",
		uri("0.NA/" from), uri("0.NA/" to))
}
function tm(day, min) {	# May 2024, minutes after 08:00
	return sprintf("2024-%02d-%02dT%02d:%02d:00", day > 20 ? 4 : 5, day, 8 + int(min / 60),
		min % 60)
}
BEGIN {
	split("A1 B2 C3 D4 E5 F6 G7 H8 J1 K2 L3 M4 N5 P7 R9 S2 T3 U4 V5 W6 X7 Y8 Z9", a, " ")
	for (i in a)
		VT[substr(a[i], 1, 1)] = substr(a[i], 2) + 0
	split("8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2", W, " ")
	F = "88.118.10"	# foundry
	B = "88.118.11"	# bearings
	N = "88.118.12"	# vehicle maker
	M = "88.118.8"	# machining
	E = "88.118.9"	# electronics
	print "id,kind,name,model,material,lot,spec,produced,gs1" > csv
	# the process steps: readPoint and bizLocation of the events
	item(F "/S-LPDC", "process", "低压铸造工序（压铸车间 LPDC-03）")
	item(B "/S-ASSY", "process", "轴承装配工序（二车间 3 号线）")
	item(E "/S-MCU", "process", "电机控制器总装工序（总装车间 2 号线）")
	item(M "/S-OP10", "process", "OP10 粗车工序（数控车床 CK6150）")
	item(M "/S-OP20", "process", "OP20 精加工工序（立式加工中心 VMC850）")
	item(M "/S-OP30", "process", "OP30 检验工序（三坐标测量机）")
	item(N "/S-EDU", "process", "电驱总成装配线（电驱工厂）")
	item(N "/S-GA", "process", "整车总装线（整车工厂）")
	item(N "/S-PDI", "process", "整车下线检验（PDI）")
	item(N "/S-DLR-SZ01", "process", "经销商入库（苏州工业园区 4S 店）")
	printf "{\"@context\":[\"https://ref.gs1.org/standards/epcis/epcis-context.jsonld\"]," \
		"\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\"," \
		"\"creationDate\":\"2024-05-17T00:00:00Z\",\"epcisBody\":{\"eventList\":[" > doc

	# the foundry casts two lots of four housings and ships them to the machining shop
	for (l = 1; l <= 2; l++) {
		lot = sprintf("%s/L-HT24050%d", F, l)
		item(lot, "lot", "减速器壳体铸件批次", "KT-EDU150", "A356.2 铝合金（T6 热处理）", "",
			"炉号 R2405-0" (16 + l) "，4 件", "2024-05-06")
		obj(tm(6, 240 * (l - 1)), lot, "commissioning", "active", F "/S-LPDC")
		hs = ""
		for (h = 1; h <= 4; h++) {
			H[l, h] = sprintf("%s/H-24050%d-%02d", F, l, h)
			item(H[l, h], "part", "减速器壳体铸件", "KT-EDU150", "A356.2 铝合金（T6 热处理）",
				lot, "毛坯 11.6 kg", "2024-05-06")
			hs = hs (h > 1 ? " " : "") H[l, h]
		}
		trx(tm(6, 240 * (l - 1) + 120), lot, hs, "commissioning", F "/S-LPDC")
		housings = housings (l > 1 ? " " : "") hs
	}
	obj(tm(7, 60), housings, "shipping", "in_transit", F "/S-LPDC", parties(F, M))
	obj(tm(7, 420), housings, "receiving", "in_progress", M "/S-OP10", parties(F, M))

	# machining: OP10 rough turning and OP20 finish machining make work in progress; OP30
	# inspects it and releases the finished part, except the last housing of lot 2 (scrapped)
	for (l = 1; l <= 2; l++) {
		for (h = 1; h <= 4; h++) {
			k = (l - 1) * 4 + h - 1
			tag = sprintf("240%d-%02d", 500 + l, h)
			w1 = M "/W-KT" tag "-OP10"
			w2 = M "/W-KT" tag "-OP20"
			item(w1, "wip", "减速器壳体（粗车后）", "KT-EDU150", "", H[l, h], "OP10 粗车",
				"2024-05-08")
			item(w2, "wip", "减速器壳体（精加工后）", "KT-EDU150", "", H[l, h], "OP20 精加工",
				"2024-05-09")
			trx(tm(8, 30 * k), H[l, h], w1, "commissioning", M "/S-OP10")
			trx(tm(9, 30 * k), w1, w2, "commissioning", M "/S-OP20")
			ok = !(l == 2 && h == 4)
			obj(tm(10, 30 * k), w2, "inspecting", ok ? "conformant" : "non_conformant",
				M "/S-OP30")
			if (!ok) {
				obj(tm(10, 30 * k + 20), w2, "destroying", "destroyed", M "/S-OP30")
				continue
			}
			P[l, h] = M "/P-KT" tag
			item(P[l, h], "part", "减速器壳体（机加工成品）", "KT-EDU150", "", H[l, h],
				"轴承孔 Φ80 H7，三坐标检验合格", "2024-05-10")
			trx(tm(10, 30 * k + 10), w2, P[l, h], "commissioning", M "/S-OP30")
		}
	}

	# the suppliers of the vehicle maker: bearings (a lot of 12) and motor controllers
	blot = B "/L-BR240428"
	item(blot, "lot", "深沟球轴承批次", "6208-2RS", "GCr15 轴承钢", "", "12 件", "2024-04-28")
	obj(tm(28, 0), blot, "commissioning", "active", B "/S-ASSY")
	for (b = 1; b <= 12; b++) {
		BR[b] = sprintf("%s/B-240428-%03d", B, b)
		item(BR[b], "part", "深沟球轴承 6208-2RS", "6208-2RS", "GCr15 轴承钢", blot,
			"40×80×18 mm", "2024-04-28")
		bearings = bearings (b > 1 ? " " : "") BR[b]
	}
	trx(tm(28, 60), blot, bearings, "commissioning", B "/S-ASSY")
	for (v = 1; v <= 6; v++) {
		MC[v] = sprintf("%s/MC-240508-%02d", E, v)
		item(MC[v], "part", "电机控制器 MCU-150", "MCU-150", "", "", "150 kW，IP67",
			"2024-05-08")
		obj(tm(8, 20 * v), MC[v], "commissioning", "active", E "/S-MCU")
	}

	# e-drive plant: six reducers (a housing from each of lots 1 and 2, two bearings each),
	# tested, packed on one pallet (SSCC), shipped to the vehicle plant, received, unpacked
	sscc = "069754122405130" "01"
	sscc = sscc mod10(sscc)
	pallet = N "/K-" sscc
	item(pallet, "package", "电驱总成周转托盘", "", "钢制周转架", "", "6 件/托",
		"2024-05-13", "(00)" sscc)
	gt = "0697541230001"
	gt = gt mod10(gt)
	for (g = 1; g <= 6; g++) {
		l = g <= 4 ? 1 : 2
		h = g <= 4 ? g : g - 4
		sn = sprintf("EDU2405%04d", g)
		G[g] = N "/G-" sn
		item(G[g], "product", "电驱减速器总成 EDU-150", "EDU-150", "", "",
			"速比 9.7，峰值扭矩 3200 N·m", "2024-05-13", "(01)" gt "(21)" sn)
		trx(tm(13, 20 * g), P[l, h] " " BR[2 * g - 1] " " BR[2 * g], G[g], "assembling",
			N "/S-EDU")
		obj(tm(13, 20 * g + 10), G[g], "inspecting", "conformant", N "/S-EDU")
		gears = gears (g > 1 ? " " : "") G[g]
	}
	agg(tm(13, 480), "ADD", pallet, gears, "packing", "in_progress", N "/S-EDU")
	obj(tm(14, 0), pallet " " gears, "shipping", "in_transit", N "/S-EDU")
	obj(tm(14, 180), pallet " " gears, "receiving", "in_progress", N "/S-GA")
	agg(tm(14, 240), "DELETE", pallet, gears, "unpacking", "in_progress", N "/S-GA")

	# vehicle plant: a reducer and a motor controller in each vehicle; PDI; to the dealer
	vg = "0697541210005"
	vg = vg mod10(vg)
	for (v = 1; v <= 6; v++) {
		VIN[v] = vin("LCYC5E15", sprintf("RS%06d", 100 + v))
		V[v] = N "/V-" VIN[v]
		item(V[v], "product", "驰远 C5 纯电动轿车", "CY7000BEV", "", "",
			"VIN " VIN[v] "，星河银", "2024-05-15", "(01)" vg "(21)" VIN[v])
		trx(tm(15, 30 * v), G[v] " " MC[v], V[v], "assembling", N "/S-GA")
		obj(tm(15, 300 + 10 * v), V[v], "inspecting", "conformant", N "/S-PDI")
		vehicles = vehicles (v > 1 ? " " : "") V[v]
	}
	obj(tm(16, 60), vehicles, "shipping", "in_transit", N "/S-PDI",
		sprintf(",\"destinationList\":[{\"type\":\"location\",\"destination\":%s}]",
		uri(N "/S-DLR-SZ01")))
	printf "\n]}}\n" > doc
}
