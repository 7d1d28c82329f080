// hdl_lib.js - a minimal Handle protocol client for the integration tests (node built-ins
// only): request encoding, response decoding, UDP with fragmentation/reassembly and retries,
// TCP framing. Layouts: shared/ref/handle.md §2-§5.
'use strict';

const dgram = require('dgram');
const net = require('net');

const FLAG = {
  AT: 0x80000000, REC: 0x10000000, CA: 0x08000000, CN: 0x04000000, KC: 0x02000000,
  PO: 0x01000000, RD: 0x00800000,
};
const ENV_TC = 0x20;
const UDP_DATA_MAX = 492;
const DEFAULT_FLAGS = (FLAG.REC | FLAG.CA | FLAG.PO) >>> 0;

function u32(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function str(s) {
  const d = Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8');
  return Buffer.concat([u32(d.length), d]);
}

// 20-byte envelope; o.flags are the CP/EC/TC bits of byte 2.
function envelope(o) {
  const b = Buffer.alloc(20);
  b[0] = o.major === undefined ? 2 : o.major;
  b[1] = o.minor === undefined ? 3 : o.minor;
  b[2] = ((o.flags || 0) & 0xe0) | ((o.suggMajor === undefined ? 2 : o.suggMajor) & 3);
  b[3] = o.suggMinor === undefined ? 11 : o.suggMinor;
  b.writeUInt32BE((o.session || 0) >>> 0, 4);
  b.writeUInt32BE(o.reqId >>> 0, 8);
  b.writeUInt32BE((o.seq || 0) >>> 0, 12);
  b.writeUInt32BE(o.msgLen >>> 0, 16);
  return b;
}

// A whole unit: envelope + header + body + CredentialLength 0.
function request(o) {
  const body = o.body || Buffer.alloc(0);
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32BE((o.opcode === undefined ? 1 : o.opcode) >>> 0, 0);
  hdr.writeUInt32BE((o.rc || 0) >>> 0, 4);
  hdr.writeUInt32BE((o.flags === undefined ? DEFAULT_FLAGS : o.flags) >>> 0, 8);
  hdr.writeUInt16BE(0xffff, 12);
  hdr.writeUInt32BE(Math.floor(Date.now() / 1000) + 43200, 16);
  hdr.writeUInt32BE(o.bodyLen === undefined ? body.length : o.bodyLen >>> 0, 20);
  const msg = Buffer.concat([hdr, body, u32(0)]);
  const env = Object.assign({ reqId: o.reqId, msgLen: msg.length }, o.env || {});
  return Buffer.concat([envelope(env), msg]);
}

function resolutionBody(handle, indexes, types) {
  indexes = indexes || [];
  types = types || [];
  return Buffer.concat([str(handle), u32(indexes.length), ...indexes.map(u32),
    u32(types.length), ...types.map(str)]);
}

function resolution(handle, reqId, opts) {
  opts = opts || {};
  return request({
    reqId, flags: opts.flags, body: resolutionBody(handle, opts.indexes, opts.types),
  });
}

// Datagrams of a unit as a stock client sends them (§5).
function fragment(unit) {
  const msgLen = unit.readUInt32BE(16);
  const msg = unit.subarray(20);
  const n = Math.max(1, Math.ceil(msgLen / UDP_DATA_MAX));
  const out = [];
  for (let i = 0; i < n; i++) {
    const env = Buffer.from(unit.subarray(0, 20));
    if (n > 1) env[2] |= ENV_TC;
    env.writeUInt32BE(i, 12);
    out.push(Buffer.concat([env, msg.subarray(i * UDP_DATA_MAX, Math.min(msgLen, (i + 1) * UDP_DATA_MAX))]));
  }
  return out;
}

class Reader {
  constructor(b) { this.b = b; this.o = 0; }
  need(n) { if (this.o + n > this.b.length) throw new Error(`truncated at ${this.o} (+${n})`); }
  u8() { this.need(1); return this.b[this.o++]; }
  u16() { this.need(2); const v = this.b.readUInt16BE(this.o); this.o += 2; return v; }
  u32() { this.need(4); const v = this.b.readUInt32BE(this.o); this.o += 4; return v; }
  bytes(n) { this.need(n); const v = this.b.subarray(this.o, this.o + n); this.o += n; return v; }
  str() { return this.bytes(this.u32()); }
  left() { return this.b.length - this.o; }
}

function parseValue(r) {
  const v = { index: r.u32(), timestamp: r.u32(), ttlType: r.u8(), ttl: r.u32(), perms: r.u8() };
  v.type = r.str().toString('utf8');
  v.data = r.str().toString('hex');
  const nrefs = r.u32();
  v.refs = [];
  for (let i = 0; i < nrefs; i++) v.refs.push({ handle: r.str().toString('utf8'), index: r.u32() });
  return v;
}

// Decode a response unit into a plain object (expiration left out: it depends on the clock).
function parseResponse(unit) {
  const r = new Reader(unit);
  const env = r.bytes(20);
  const res = {
    version: `${env[0]}.${env[1]}`, reqId: env.readUInt32BE(8), msgLen: env.readUInt32BE(16),
  };
  if (unit.length !== 20 + res.msgLen) throw new Error(`unit is ${unit.length} bytes, MessageLength ${res.msgLen}`);
  res.opcode = r.u32();
  res.rc = r.u32();
  res.flags = r.u32();
  res.serial = r.u16();
  r.u8(); r.u8();
  r.u32(); // expiration
  const body = new Reader(r.bytes(r.u32()));
  if ((res.flags & FLAG.RD) && res.rc !== 0) {
    const t = body.u8();
    res.digest = body.bytes(t === 1 ? 16 : t === 2 ? 20 : 32).toString('hex');
  }
  if (res.rc === 1 && res.opcode === 1) {
    res.handle = body.str().toString('utf8');
    const n = body.u32();
    res.values = [];
    for (let i = 0; i < n; i++) res.values.push(parseValue(body));
  } else if (res.rc === 1) {
    res.body = body.bytes(body.left()).toString('hex');
  } else if (body.left() >= 4) {
    res.message = body.str().toString('utf8');
  }
  if (body.left() !== 0) throw new Error(`${body.left()} bytes after the body`);
  return res;
}

function splitHostPort(s) {
  const m = /^\[(.*)\]:(\d+)$/.exec(s) || /^([^:]*):(\d+)$/.exec(s);
  if (!m) throw new Error(`bad address ${s}`);
  return { host: m[1], port: Number(m[2]) };
}

// Send a unit over UDP and reassemble the answer (retries as the Java client: 500/1000/1500 ms).
function udpExchange(addr, unit, opts) {
  opts = opts || {};
  const { host, port } = splitHostPort(addr);
  const reqId = unit.readUInt32BE(8);
  const tries = opts.tries || [500, 1000, 1500];
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const parts = new Map();
    let msgLen = -1;
    let attempt = 0;
    let timer = null;
    const finish = (err, val) => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err); else resolve(val);
    };
    const send = () => {
      if (attempt >= tries.length) { finish(new Error(`no UDP answer from ${addr} for request ${reqId}`)); return; }
      timer = setTimeout(send, tries[attempt++]);
      for (const d of fragment(unit)) sock.send(d, port, host);
    };
    sock.on('error', (e) => finish(e));
    sock.on('message', (d) => {
      if (d.length < 20 || d.readUInt32BE(8) !== reqId) return;
      msgLen = d.readUInt32BE(16);
      parts.set(d.readUInt32BE(12), d.subarray(20));
      const n = Math.max(1, Math.ceil(msgLen / UDP_DATA_MAX));
      if (parts.size < n) return;
      const env = Buffer.from(d.subarray(0, 20));
      env[2] &= ~ENV_TC;
      env.writeUInt32BE(0, 12);
      const chunks = [];
      for (let i = 0; i < n; i++) {
        if (!parts.has(i)) return;
        chunks.push(parts.get(i));
      }
      finish(null, Buffer.concat([env, ...chunks]));
    });
    sock.bind(0, () => send());
  });
}

// Read whole units from a TCP socket.
class UnitReader {
  constructor(sock) {
    this.buf = Buffer.alloc(0);
    this.waiters = [];
    this.units = [];
    this.closed = false;
    sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.drain(); });
    sock.on('close', () => { this.closed = true; this.drain(); });
    sock.on('error', () => {});
  }
  drain() {
    while (this.buf.length >= 20) {
      const len = 20 + this.buf.readUInt32BE(16);
      if (this.buf.length < len) break;
      this.units.push(this.buf.subarray(0, len));
      this.buf = this.buf.subarray(len);
    }
    while (this.waiters.length > 0 && (this.units.length > 0 || this.closed)) {
      const w = this.waiters.shift();
      if (this.units.length > 0) w.resolve(this.units.shift()); else w.resolve(null);
    }
  }
  // Next unit, or null once the server closed the connection.
  next(ms) {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no TCP answer within ${ms} ms`)), ms);
      this.waiters.push({ resolve: (v) => { clearTimeout(t); resolve(v); } });
      this.drain();
    });
  }
}

function tcpConnect(addr, opts) {
  opts = opts || {};
  const { host, port } = splitHostPort(addr);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port, localAddress: opts.localAddress });
    sock.setNoDelay(true);
    sock.once('connect', () => resolve({ sock, reader: new UnitReader(sock) }));
    sock.once('error', reject);
  });
}

// One request per connection (or several with KC), answers in order.
async function tcpExchange(addr, units, ms) {
  const c = await tcpConnect(addr);
  try {
    c.sock.write(Buffer.concat(units));
    const out = [];
    for (let i = 0; i < units.length; i++) out.push(await c.reader.next(ms || 5000));
    return out;
  } finally {
    c.sock.destroy();
  }
}

// Resolves true once the server closed the connection (EOF or reset), false after ms.
function waitClosed(sock, ms) {
  return new Promise((resolve) => {
    if (sock.destroyed || sock.readableEnded) { resolve(true); return; }
    const t = setTimeout(() => resolve(false), ms);
    const done = () => { clearTimeout(t); resolve(true); };
    sock.once('end', done);
    sock.once('close', done);
  });
}

module.exports = {
  FLAG, ENV_TC, DEFAULT_FLAGS, UDP_DATA_MAX, u32, str, envelope, request, resolutionBody,
  resolution, fragment, parseResponse, udpExchange, tcpConnect, tcpExchange, waitClosed,
  splitHostPort,
};
