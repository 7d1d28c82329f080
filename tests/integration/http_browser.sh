#!/usr/bin/env bash
# http_browser.sh - headless Chromium loads the product page of an item over HTTPS from idrd
# (what a phone opens from a QR label): the TLS handshake with a real browser's client hello
# (ALPN, TLS 1.3), the page's HTML with the item kind and name on top and every value escaped,
# in Chinese or English (the browser's Accept-Language, or ?lang=), rendered to a screenshot at
# a phone's size without a console error (a CSP refusal, say), and the redirect of a record
# with a URL.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || fail "chromium is needed (deploy/deps.sh test)"
make_data
ok "$IDR_BIN" register 88.118.8/NOURL-1 --data "$D" --kind wip "name=齿轮轴（在制）" \
	"note=<b>not bold</b>" "parent=88.118.8/P-000001" "<i>type</i>=<script>alert(1)</script>"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
	fail "openssl could not make a certificate"
idrd_conf "$T/idrd.conf" "https_listen 127.0.0.1:0" "tls_cert $T/cert.pem" "tls_key $T/key.pem"
start_idrd "$T/idrd.conf" "$T/idrd.log"
S=$(port_of https)

LANGS=en-US,en # what the browser sends as Accept-Language
chrome_run() { # ARGS...: headless Chromium with the test's options
	expect_exit 0 timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --disable-dev-shm-usage --user-data-dir="$T/chrome" \
		--ignore-certificate-errors --accept-lang="$LANGS" "$@"
}
chrome() { # URL: the DOM after load, in $OUT
	chrome_run --dump-dom "$1"
}
shot() { # URL PNG: render at a phone's size; no console error, a PNG of some substance
	chrome_run --window-size=412,915 --hide-scrollbars --enable-logging=stderr --v=0 \
		--screenshot="$2" "$1"
	if grep -E "Refused to|Uncaught|CONSOLE.*(error|Error)" "$ERR"; then
		fail "the page of $1 logged an error in the browser"
	fi
	[ "$(head -c 8 "$2" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] ||
		fail "no PNG screenshot of $1"
	[ "$(wc -c <"$2")" -gt $((BLANK + 1000)) ] ||
		fail "the screenshot of $1 ($(wc -c <"$2") bytes) is nearly empty ($BLANK bytes)"
}

shot_blank() { # the size of the screenshot of an empty page, in $BLANK
	printf '<!DOCTYPE html><html><body></body></html>' >"$T/blank.html"
	chrome_run --window-size=412,915 --hide-scrollbars --screenshot="$T/blank.png" \
		"file://$T/blank.html"
	BLANK=$(wc -c <"$T/blank.png")
}
shot_blank
note "an empty page renders to $BLANK bytes"

no_markup() { # the DOM of $OUT holds no element made from a value
	if grep -qE "<b>not bold</b>|<script|<i>type</i>" "$OUT"; then
		fail "a value reached the page as markup"
	fi
}

note "the page of an item without a URL, in Chinese (Accept-Language: zh-CN)"
LANGS=zh-CN,zh,en
chrome "https://$S/88.118.8/NOURL-1"
expect_out '<html lang="zh-CN">'
expect_out '<p class="kind">在制品</p>'
expect_out "<h1>齿轮轴（在制）</h1>"
expect_out "88.118.8/NOURL-1"
expect_out "<dt>登记企业</dt><dd>某某制造有限公司</dd>"
expect_out "&lt;b&gt;not bold&lt;/b&gt;"
expect_out '<a href="/88.118.8/P-000001?noredirect">88.118.8/P-000001</a>'
expect_out "北京时间"
no_markup
shot "https://$S/88.118.8/NOURL-1" "$T/zh.png"

note "the same page in English (Accept-Language: en-US)"
LANGS=en-US,en
chrome "https://$S/88.118.8/NOURL-1"
expect_out '<html lang="en">'
expect_out '<p class="kind">Work in progress</p>'
expect_out "<dt>Registered by</dt>"
expect_out "Time (UTC)"
no_markup
shot "https://$S/88.118.8/NOURL-1" "$T/en.png"
cmp -s "$T/zh.png" "$T/en.png" && fail "the zh and en pages render the same"

note "?lang= overrides the browser, and the page's links keep it"
chrome "https://$S/88.118.8/NOURL-1?lang=zh"
expect_out '<html lang="zh-CN">'
expect_out '<a href="/88.118.8/P-000001?noredirect&amp;lang=zh">'
LANGS=zh-CN
chrome "https://$S/88.118.8/NOURL-1?lang=en"
expect_out '<html lang="en">'
shot "https://$S/88.118.8/NOURL-1?lang=en" "$T/en2.png"

note "the lifecycle: events recorded with idr event add, the timeline and the trees on the page"
ev() { ok "$IDR_BIN" event add "$@" --data "$D"; }
ev 88.118.8/NOURL-1 --biz-step commissioning --input 88.118.8/P-000001 \
	--read-point 88.118.8/P-000001 --time 2024-01-11T09:00:00+08:00
ev 88.118.8/NOURL-1 --biz-step packing --parent 88.118.8/BOX-1 --time 2024-01-21T10:00:00+08:00
ev 88.118.8/NOURL-1 --biz-step shipping --disposition in_transit \
	--time 2024-01-22T10:00:00+08:00
LANGS=zh-CN,zh
chrome "https://$S/88.118.8/NOURL-1"
expect_out "<h2>生命周期</h2>"
expect_out '<p class="ev">发货 <span class="disp">在途</span></p>'
expect_out "2024-01-22 10:00:00 北京时间"
expect_out '<dt>装入</dt><dd><a href="/88.118.8/BOX-1?noredirect">88.118.8/BOX-1</a></dd>'
expect_out "<h2>组成部件</h2>"
expect_out '<a href="/88.118.8/P-000001?noredirect">88.118.8/P-000001</a> <span class="k">零部件</span>'
expect_out "<h2>去向（用于）</h2>"
no_markup
shot "https://$S/88.118.8/NOURL-1" "$T/life_zh.png"
LANGS=en-US,en
chrome "https://$S/88.118.8/NOURL-1"
expect_out '<p class="ev">Packed</p>'
expect_out "2024-01-21 02:00:00 UTC"
expect_out "<h2>Made of</h2>"
expect_out "<h2>Where used</h2>"
shot "https://$S/88.118.8/NOURL-1" "$T/life_en.png"
LANGS=zh-CN

note "an identifier not found, and a prefix not served here, in both languages"
chrome "https://$S/88.118.8/NOPE-1"
expect_out "未找到该标识"
expect_out "88.118.8/NOPE-1"
shot "https://$S/88.118.8/NOPE-1" "$T/miss_zh.png"
chrome "https://$S/99.9/X-1?lang=en"
expect_out "The prefix <strong>99.9</strong> is not served by this node"
shot "https://$S/99.9/X-1?lang=en" "$T/miss_en.png"

note "?noredirect shows the page of an item with a URL"
chrome "https://$S/88.118.8/P-000001?noredirect"
expect_out "零部件"
expect_out "https://example.com/p/1"
note "an item with a URL redirects the browser there (here: to the node's own /healthz)"
ok "$IDR_BIN" register 88.118.8/REDIR-1 --data "$D" --kind product --url "https://$S/healthz"
chrome "https://$S/88.118.8/REDIR-1"
expect_out ">ok"
if grep -q "88.118.8/REDIR-1" "$OUT"; then
	fail "the browser stayed on the item page instead of following the redirect"
fi
[ -z "${IDR_SHOTS:-}" ] || cp "$T"/*.png "$IDR_SHOTS"/ # to look at them
stop_idrd "$T/idrd.log"
