#!/usr/bin/env bash
# http_browser.sh - headless Chromium loads the product page of an item over HTTPS from idrd
# (what a phone opens from a QR label): the TLS handshake with a real browser's client hello
# (ALPN, TLS 1.3), the page's HTML with the item kind on top and every value escaped, and the
# redirect of a record with a URL.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/idrd_lib.bash"

CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || fail "chromium is needed (deploy/deps.sh test)"
make_data
ok "$IDR_BIN" register 88.118.8/NOURL-1 --data "$D" --kind wip "note=<b>not bold</b>"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
	fail "openssl could not make a certificate"
idrd_conf "$T/idrd.conf" "https_listen 127.0.0.1:0" "tls_cert $T/cert.pem" "tls_key $T/key.pem"
start_idrd "$T/idrd.conf" "$T/idrd.log"
S=$(port_of https)

chrome() { # URL: the DOM after load, in $OUT
	expect_exit 0 timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --disable-dev-shm-usage --user-data-dir="$T/chrome" \
		--ignore-certificate-errors --dump-dom "$1"
}

note "the page of an item without a URL"
chrome "https://$S/88.118.8/NOURL-1"
expect_out "88.118.8/NOURL-1"
expect_out "在制品"
expect_out "&lt;b&gt;not bold&lt;/b&gt;"
if grep -q "<b>not bold</b>" "$OUT"; then
	fail "a value reached the page as markup"
fi
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
stop_idrd "$T/idrd.log"
