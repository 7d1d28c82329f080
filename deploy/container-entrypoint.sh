#!/bin/sh
# container-entrypoint.sh - start idrd in the container (deploy/Containerfile): on the first
# start with an empty data directory and IDR_NODE_PREFIX set, initialise it with `idr init`
# (owner IDR_OWNER); then check the configuration and run idrd in the foreground (logs to
# stderr, SIGTERM stops it). Arguments are passed to idrd.
#   env: IDRD_CONF (default /etc/idr/idrd.conf), IDR_NODE_PREFIX, IDR_OWNER
set -eu
conf=${IDRD_CONF:-/etc/idr/idrd.conf}
data=$(awk '$1 == "data_dir" { print $2; exit }' "$conf")
data=${data:-/var/lib/idr}
if [ ! -e "$data/data.mdb" ]; then
	if [ -z "${IDR_NODE_PREFIX:-}" ]; then
		echo "idr-entrypoint: $data holds no store: set IDR_NODE_PREFIX (first start) or" \
			"fill the volume with idr init / idr split" >&2
		exit 1
	fi
	if [ -n "${IDR_OWNER:-}" ]; then
		idr init --data "$data" --node-prefix "$IDR_NODE_PREFIX" --owner "$IDR_OWNER"
	else
		idr init --data "$data" --node-prefix "$IDR_NODE_PREFIX"
	fi
fi
idrd -n -c "$conf" >/dev/null
exec idrd -c "$conf" "$@"
