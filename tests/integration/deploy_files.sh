#!/usr/bin/env bash
# deploy_files.sh - what can be checked of deploy/ without a container engine (CI builds no
# images): the files exist; every idrd configuration of the compose example passes `idrd -n`
# (with data_dir pointed at an initialised store); the HAProxy configuration passes
# `haproxy -c`; compose.yaml parses (python3 yaml) with the services named for their roles,
# each idrd service mounting an existing configuration and a data volume, the fixed addresses
# agreeing with the configurations (site_servers, toplevel, site_address, HAProxy back ends);
# the Containerfile keeps its promises (Debian 12 stages, non-root user, data volume, health
# check on /healthz); the entrypoint is valid sh and initialises an empty store.
. "$(dirname "$0")/lib.sh"
: "${IDRD_BIN:?IDRD_BIN must point to the idrd binary}"
: "${IDR_SRC:?IDR_SRC must point to the source tree}"

DEP=$IDR_SRC/deploy
C=$DEP/compose
command -v haproxy >/dev/null 2>&1 || fail "haproxy is needed (deploy/deps.sh test)"
python3 -c 'import yaml' 2>/dev/null || fail "python3-yaml is needed (deploy/deps.sh test)"

note "files"
for f in Containerfile compose.yaml container-entrypoint.sh compose/haproxy.cfg \
	compose/haproxy.Containerfile compose/toplevel.conf compose/secondary1-a.conf \
	compose/secondary1-b.conf compose/secondary2.conf compose/mirror2.conf; do
	[ -s "$DEP/$f" ] || fail "deploy/$f is missing or empty"
done

note "idrd -n on every configuration (data_dir -> an initialised store)"
ok "$IDR_BIN" init --data "$T/store" --node-prefix 88.118 --owner test
for f in "$C"/*.conf; do
	sed "s|^data_dir .*|data_dir $T/store|" "$f" >"$T/$(basename "$f")"
	ok "$IDRD_BIN" -n -c "$T/$(basename "$f")"
	expect_out "configuration OK"
done
note "a broken configuration is caught (the check can fail)"
sed 's|^site_server_index .*|site_server_index 2|' "$T/secondary1-a.conf" >"$T/bad.conf"
expect_exit 1 "$IDRD_BIN" -n -c "$T/bad.conf"
expect_err "site_server_index"

note "haproxy -c"
ok haproxy -c -f "$C/haproxy.cfg"
sed 's|balance roundrobin|balance no-such-algorithm|' "$C/haproxy.cfg" >"$T/bad.cfg"
expect_exit 1 haproxy -c -f "$T/bad.cfg"

note "compose.yaml: services, volumes, addresses"
python3 - "$DEP" <<'PY' || fail "compose.yaml"
import os, re, sys, yaml
dep = sys.argv[1]
d = yaml.safe_load(open(os.path.join(dep, "compose.yaml")))
svc = d["services"]
want = {"toplevel", "secondary1-a", "secondary1-b", "secondary2", "mirror2", "haproxy"}
assert set(svc) == want, sorted(svc)
ip = {n: s["networks"]["idr"]["ipv4_address"] for n, s in svc.items()}
conf = {}
for n, s in svc.items():
    if n == "haproxy":
        continue
    assert s["build"]["dockerfile"] == "deploy/Containerfile", n
    mounts = dict(v.split(":")[1::-1][:2] for v in s["volumes"])  # target -> source
    src = mounts["/etc/idr/idrd.conf"]
    path = os.path.normpath(os.path.join(dep, src))
    assert os.path.isfile(path), (n, src)
    assert not mounts["/var/lib/idr"].startswith("."), (n, "data must be a named volume")
    assert mounts["/var/lib/idr"] in d["volumes"], n
    assert "/healthz" in " ".join(s["healthcheck"]["test"]), n
    conf[n] = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            k, _, v = line.partition(" ")
            conf[n][k] = v
top = ip["toplevel"] + ":2641"
assert conf["toplevel"].get("role") == "toplevel"
for n in ("secondary1-a", "secondary1-b", "secondary2", "mirror2"):
    assert conf[n].get("toplevel") == top, (n, conf[n].get("toplevel"))
site = [a.strip() for a in conf["secondary1-a"]["site_servers"].split(",")]
assert site == [ip["secondary1-a"] + ":2641", ip["secondary1-b"] + ":2641"], site
assert conf["secondary1-b"]["site_servers"] == conf["secondary1-a"]["site_servers"]
assert conf["secondary1-a"]["site_server_index"] == "0"
assert conf["secondary1-b"]["site_server_index"] == "1"
for n in ("toplevel", "secondary2", "mirror2"):
    assert conf[n]["site_address"] == ip[n], n
cfg = open(os.path.join(dep, "compose", "haproxy.cfg")).read()
backends = re.findall(r"^\s*server (\S+) (\S+) check", cfg, re.M)
assert backends == [("secondary1-a", ip["secondary1-a"] + ":8000"),
                    ("secondary1-b", ip["secondary1-b"] + ":8000")], backends
assert "option httpchk GET /healthz" in cfg
hc = svc["haproxy"]["depends_on"]
assert hc["secondary1-a"]["condition"] == "service_healthy"
PY

note "Containerfile"
CF=$DEP/Containerfile
[ "$(grep -c '^FROM debian:12' "$CF")" = 2 ] || fail "Containerfile: two Debian 12 stages expected"
grep -q '^FROM debian:12 AS build' "$CF" || fail "Containerfile: no build stage"
grep -q '^USER idr' "$CF" || fail "Containerfile: not run as the user idr"
grep -q '^VOLUME \["/var/lib/idr"\]' "$CF" || fail "Containerfile: no data volume"
grep -A1 '^HEALTHCHECK' "$CF" | grep -q '/healthz' || fail "Containerfile: no /healthz check"
grep -q 'haproxy' "$C/haproxy.Containerfile" || fail "haproxy.Containerfile"

note "container-entrypoint.sh initialises an empty store and checks the configuration"
ok sh -n "$DEP/container-entrypoint.sh"
mkdir -p "$T/bin" "$T/ep"
ln -s "$IDR_BIN" "$T/bin/idr"
# an idrd that only checks (-n); the real one would run in the foreground
printf '#!/bin/sh\n[ "$1" = -n ] && exec "%s" "$@"\necho "would run: idrd $*"\n' "$IDRD_BIN" >"$T/bin/idrd"
chmod +x "$T/bin/idrd"
sed "s|^data_dir .*|data_dir $T/ep|" "$C/secondary2.conf" >"$T/ep.conf"
expect_exit 1 env PATH="$T/bin:$PATH" IDRD_CONF="$T/ep.conf" sh "$DEP/container-entrypoint.sh"
expect_err "set IDR_NODE_PREFIX"
ok env PATH="$T/bin:$PATH" IDRD_CONF="$T/ep.conf" IDR_NODE_PREFIX=88.200 IDR_OWNER=n2 \
	sh "$DEP/container-entrypoint.sh"
expect_out "would run: idrd -c $T/ep.conf"
[ -e "$T/ep/data.mdb" ] || fail "the entrypoint did not initialise the store"
note "ok"
