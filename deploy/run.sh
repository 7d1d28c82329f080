#!/bin/sh
# run.sh - install what is missing, build a release, create a demo node's data directory
# (node prefix 88.118, five enterprise prefixes, a few thousand items of every kind and a
# supply-chain story with lifecycle events: deploy/demo-data.sh), make a
# self-signed certificate for HTTPS, and run the resolver daemon idrd on localhost in the
# foreground (Ctrl-C stops it). Idempotent: running it again rebuilds incrementally and
# changes no data. While a node it started is still running (or something answers on the HTTP
# port), it says so and exits 1 without building or touching the configuration.
#   env: IDR_DATA (default ./idr-data), BUILD_DIR (default build), JOBS (default: cores),
#        HANDLE_PORT (2641, UDP and TCP), HTTP_PORT (8000), HTTPS_PORT (8443)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
data=${IDR_DATA:-./idr-data}
hport=${HANDLE_PORT:-2641}
wport=${HTTP_PORT:-8000}
sport=${HTTPS_PORT:-8443}
demo=$build/demo

# A node already running from this configuration (its pid file names a live idrd) or on these
# ports: leave it, its configuration and its binaries alone.
running=""
if [ -s "$demo/idrd.pid" ]; then
	pid=$(cat "$demo/idrd.pid")
	if kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = idrd ]; then
		running="idrd pid $pid, configuration $demo/idrd.conf"
	fi
fi
if [ -z "$running" ] && command -v curl >/dev/null 2>&1 &&
	curl -s -o /dev/null -m 2 "http://127.0.0.1:$wport/healthz"; then
	running="something answers on http://127.0.0.1:$wport"
fi
if [ -n "$running" ]; then
	echo "run.sh: a node is already running ($running)." >&2
	echo "run.sh: nothing was changed; stop it first (Ctrl-C in its terminal), or run on other" \
		"ports (HANDLE_PORT, HTTP_PORT, HTTPS_PORT) with another BUILD_DIR." >&2
	exit 1
fi

./deploy/deps.sh build

echo "== release build in $build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
if ! cmake --build "$build" -j "$jobs" --target idr idrd >"$build/build.log" 2>&1; then
	tail -40 "$build/build.log"
	echo "run.sh: build failed (full log: $build/build.log)" >&2
	exit 1
fi
idr=$build/tools/idr
idrd=$build/resolver/idrd

echo "== demo data in $data"
./deploy/demo-data.sh "$idr" "$data"
"$idr" stats --data "$data"

# A self-signed certificate for the demo HTTPS listener (a real node uses its own).
mkdir -p "$demo"
if [ ! -s "$demo/tls.key" ] || [ ! -s "$demo/tls.crt" ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=localhost" \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		-keyout "$demo/tls.key" -out "$demo/tls.crt" 2>/dev/null
	chmod 600 "$demo/tls.key"
fi

# The demo's administrator: an HS_SECKEY identity 300:88.118/ADMIN (the secret in
# admin.secret, its hashed form in the registry) named in server_admins, and the node's own
# signing key (server_key: answers to certified Handle requests are signed with it).
if [ ! -s "$demo/admin.secret" ]; then
	"$idr" keygen --type secret --out "$demo/admin.secret" >"$demo/admin.value"
	printf '{"handle":"88.118/ADMIN","values":[%s]}\n' "$(cat "$demo/admin.value")" \
		>"$demo/admin.jsonl"
	"$idr" import "$demo/admin.jsonl" --update --data "$data" >/dev/null
fi
if [ ! -s "$demo/server.pem" ]; then
	"$idr" keygen --type rsa --out "$demo/server.pem" >/dev/null
fi

# The configuration: every other option keeps the default of deploy/idrd.conf.sample. The
# pid file lets the next run.sh see that this node is running. Written only if it changes.
cat >"$demo/idrd.conf.new" <<CONF
# demo node made by deploy/run.sh; every option is described in deploy/idrd.conf.sample
data_dir $(cd "$data" && pwd)
udp_listen 127.0.0.1:$hport
tcp_listen 127.0.0.1:$hport
http_listen 127.0.0.1:$wport
https_listen 127.0.0.1:$sport
tls_cert $(cd "$demo" && pwd)/tls.crt
tls_key $(cd "$demo" && pwd)/tls.key
pid_file $(cd "$demo" && pwd)/idrd.pid
server_key $(cd "$demo" && pwd)/server.pem
server_admins 300:88.118/ADMIN
site_description "idr demo secondary node 88.118"
CONF
if cmp -s "$demo/idrd.conf.new" "$demo/idrd.conf"; then
	rm -f "$demo/idrd.conf.new"
else
	mv "$demo/idrd.conf.new" "$demo/idrd.conf"
fi
"$idrd" -n -c "$demo/idrd.conf"

cat <<MSG

== idrd serves 88.118 on 127.0.0.1: Handle protocol UDP+TCP $hport, HTTP $wport, HTTPS $sport
Try, in another terminal:
  $idr resolve 88.118.8/P-000001 --server 127.0.0.1:$hport
  curl -s http://127.0.0.1:$wport/api/handles/88.118.8/P-000001?pretty
  curl -sk "https://127.0.0.1:$sport/88.118.8/P-000001?noredirect"    (the page a phone opens)
  curl -sk -u "300%3A88.118/ADMIN:\$(cat $demo/admin.secret)" -X PUT -H 'Content-Type: application/json' \\
    -d '[{"index":1,"type":"URL","data":"https://example.com/new"}]' \\
    https://127.0.0.1:$sport/api/handles/88.118.8/NEW-1          (a write, as the demo's administrator)
The supply-chain story (foundry -> machining in three process steps -> reducer -> vehicle):
  $idr trace 88.118.12/V-LCYC5E151RS000101 --back --data $data     (what the vehicle is made of)
  $idr trace 88.118.10/L-HT240502 --forward --data $data           (a recall: where a lot went)
  $idr events 88.118.12/G-EDU24050001 --data $data                 (a reducer's timeline)
  $idr scan ']d2010697541210005821LCYC5E151RS000101' --data $data  (the vehicle's GS1 DataMatrix)
  http://127.0.0.1:$wport/88.118.12/V-LCYC5E151RS000101?lang=zh   (its page, in a browser)
Ctrl-C stops the node.

MSG
exec "$idrd" -c "$demo/idrd.conf"
