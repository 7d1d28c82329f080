#!/usr/bin/env python3
"""idis_golden.py - replay the national-API fixtures of tests/data/idis/ against a running idrd.

Each fixture file is a JSON array of steps, replayed in order over one keep-alive HTTPS
connection (a fresh one per step over plain HTTP):

  {"ref": "where the pair comes from",
   "method": "POST", "path": "/identityv2/data",
   "as": "ent",            token saved under that name; "none"; "raw:<Authorization value>";
                           "tampered:<name>" (the saved token with a payload character
                           changed); "expired:<sub>" / "foreign:<sub>" (a token forged with
                           the node's key and an old date / with another key)
   "over": "http",         default https
   "body": <JSON>          or "raw": "<bytes as text>"; strings "<cipher:SECRET>" become
                           sha256hex(sha256hex(SECRET) + today's date in UTC+8)
   "status": 200,          the HTTP status
   "response": <JSON>,     compared exactly; "<token>" matches a JWT, "<any>" anything
   "save": "ent",          keep data.token under that name (and in the tokens file)
   "journal": "same"}      the journal's length does not move (idr stats)

Usage: idis_golden.py HTTPS_ADDR HTTP_ADDR CACERT TOKENS_FILE FIXTURE... (env IDR_BIN, D).
"""
import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import ssl
import subprocess
import sys
import time


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def forge(key, sub, iat):
    head = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    payload = json.dumps({"sub": sub, "iat": iat, "exp": iat + 86400,
                          "kfp": "0000000000000000"}, separators=(",", ":"))
    signed = head + "." + b64u(payload.encode())
    return signed + "." + b64u(hmac.new(key, signed.encode(), hashlib.sha256).digest())


def cipher(secret):
    h = hashlib.sha256(secret.encode()).hexdigest()
    day = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8))
    return hashlib.sha256((h + day.strftime("%Y-%m-%d")).encode()).hexdigest()


def subst(v):
    if isinstance(v, str) and v.startswith("<cipher:") and v.endswith(">"):
        return cipher(v[8:-1])
    if isinstance(v, list):
        return [subst(x) for x in v]
    if isinstance(v, dict):
        return {k: subst(x) for k, x in v.items()}
    return v


def match(want, got, path="$"):
    if want == "<any>":
        return None
    if want == "<token>":
        ok = isinstance(got, str) and got.count(".") == 2 and got.startswith("eyJ")
        return None if ok else f"{path}: want a token, got {got!r}"
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(want) != set(got):
            return f"{path}: want keys {sorted(want)}, got {got!r}"
        for k in want:
            e = match(want[k], got[k], f"{path}.{k}")
            if e:
                return e
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(want) != len(got):
            return f"{path}: want {len(want)} items, got {got!r}"
        for i, (w, g) in enumerate(zip(want, got)):
            e = match(w, g, f"{path}[{i}]")
            if e:
                return e
        return None
    if type(want) is not type(got) or want != got:
        return f"{path}: want {want!r}, got {got!r}"
    return None


def journal():
    out = subprocess.run([os.environ["IDR_BIN"], "stats", "--data", os.environ["D"]],
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("journal entries:"):
            return int(line.split()[2])
    raise SystemExit("no journal count in idr stats")


class Runner:
    def __init__(self, https, http_addr, cacert, tokens_file):
        self.https, self.http = https, http_addr
        self.ctx = ssl.create_default_context(cafile=cacert)
        self.tokens_file = tokens_file
        self.tokens = {}
        if os.path.exists(tokens_file):
            with open(tokens_file) as f:
                self.tokens = json.load(f)
        with open(os.path.join(os.environ["D"], "token.key")) as f:
            self.node_key = bytes.fromhex(f.read().strip())
        self.conn = None

    def authorization(self, who):
        if who in (None, "none"):
            return None
        if who.startswith("raw:"):
            return who[4:]
        if who.startswith("tampered:"):
            t = self.tokens[who[9:]]
            head, payload, sig = t.split(".")
            c = "B" if payload[5] != "B" else "C"
            return "Bearer " + head + "." + payload[:5] + c + payload[6:] + "." + sig
        if who.startswith("expired:"):
            return "Bearer " + forge(self.node_key, who[8:], int(time.time()) - 2 * 86400)
        if who.startswith("foreign:"):
            return "Bearer " + forge(os.urandom(32), who[8:], int(time.time()))
        return "Bearer " + self.tokens[who]

    def send(self, step):
        headers = {"Content-Type": "application/json"}
        auth = self.authorization(step.get("as"))
        if auth:
            headers["Authorization"] = auth
        body = None
        if "body" in step:
            body = json.dumps(subst(step["body"]), ensure_ascii=False).encode()
        elif "raw" in step:
            body = step["raw"].encode()
        if step.get("over") == "http":
            host, port = self.http.rsplit(":", 1)
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
        else:
            if self.conn is None:
                host, port = self.https.rsplit(":", 1)
                self.conn = http.client.HTTPSConnection(host, int(port), context=self.ctx,
                                                        timeout=60)
            conn = self.conn
        conn.request(step["method"], step["path"], body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        if conn is not self.conn:
            conn.close()
        return r.status, data

    def step(self, name, i, step):
        j0 = journal() if step.get("journal") == "same" else None
        status, data = self.send(step)
        where = f"{name}[{i}] {step['method']} {step['path']} ({step.get('ref', '')})"
        try:
            got = json.loads(data)
        except ValueError:
            raise SystemExit(f"{where}: answer is not JSON: {data[:300]!r}")
        if status != step["status"]:
            raise SystemExit(f"{where}: HTTP {status}, want {step['status']}: {got}")
        err = match(step["response"], got)
        if err:
            raise SystemExit(f"{where}: {err}\n  got: {json.dumps(got, ensure_ascii=False)}")
        if step["response"].get("message") == "<any>":
            print(f"{where}: {got.get('message')}")
        if "save" in step:
            self.tokens[step["save"]] = got["data"]["token"]
            with open(self.tokens_file, "w") as f:
                json.dump(self.tokens, f)
        if j0 is not None and journal() != j0:
            raise SystemExit(f"{where}: the journal moved: a refusal wrote something")


def main():
    if len(sys.argv) < 6:
        raise SystemExit(__doc__)
    r = Runner(*sys.argv[1:5])
    n = 0
    for path in sys.argv[5:]:
        with open(path) as f:
            steps = json.load(f)
        for i, s in enumerate(steps):
            r.step(os.path.basename(path), i, s)
            n += 1
    print(f"idis_golden: {n} steps ok")


if __name__ == "__main__":
    main()
