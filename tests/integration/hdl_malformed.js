// hdl_malformed.js - abuse a running idrd with malformed Handle traffic over UDP and TCP while
// valid queries keep being checked; prints a JSON summary, exits 1 on any failed expectation.
//   node hdl_malformed.js UDP_ADDR TCP_ADDR HANDLE --io S --idle S --per-ip N --max-request B
// The daemon must run with error_rate 0 (every error answered) and the given time-outs/caps.
'use strict';

const dgram = require('dgram');
const crypto = require('crypto');
const hdl = require('./hdl_lib.js');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const failures = [];
const counts = { checks: 0, udpSent: 0, tcpCases: 0, maxCheckMs: 0 };

function failed(what) {
  failures.push(what);
  process.stderr.write(`FAILED: ${what}\n`);
}

let nextId = 0x10000;
const newId = () => nextId++;

function argsOf(argv) {
  const a = { udp: argv[0], tcp: argv[1], handle: argv[2], io: 2, idle: 2, perIp: 50, maxRequest: 65536 };
  for (let i = 3; i + 1 < argv.length; i += 2) {
    const v = Number(argv[i + 1]);
    if (argv[i] === '--io') a.io = v;
    else if (argv[i] === '--idle') a.idle = v;
    else if (argv[i] === '--per-ip') a.perIp = v;
    else if (argv[i] === '--max-request') a.maxRequest = v;
  }
  if (!a.handle) throw new Error('usage: hdl_malformed.js UDP_ADDR TCP_ADDR HANDLE [--io S] [--idle S] [--per-ip N] [--max-request B]');
  return a;
}

// ---- valid queries, all the time ----

async function checker(a, state) {
  while (!state.stop) {
    const t0 = Date.now();
    try {
      const u = hdl.parseResponse(await hdl.udpExchange(a.udp, hdl.resolution(a.handle, newId()), { tries: [300, 300, 400] }));
      const [tu] = await hdl.tcpExchange(a.tcp, [hdl.resolution(a.handle, newId())], 2000);
      if (u.rc !== 1) failed(`valid UDP query answered rc ${u.rc}`);
      if (tu === null || hdl.parseResponse(tu).rc !== 1) failed('valid TCP query not answered with rc 1');
    } catch (e) {
      failed(`valid query during abuse: ${e.message}`);
    }
    counts.checks++;
    counts.maxCheckMs = Math.max(counts.maxCheckMs, Date.now() - t0);
    await sleep(100);
  }
}

// ---- UDP ----

function header(o) {
  const h = Buffer.alloc(24);
  h.writeUInt32BE((o.opcode === undefined ? 1 : o.opcode) >>> 0, 0);
  h.writeUInt32BE((o.rc || 0) >>> 0, 4);
  h.writeUInt32BE(hdl.DEFAULT_FLAGS, 8);
  h.writeUInt16BE(0xffff, 12);
  h.writeUInt32BE(Math.floor(Date.now() / 1000) + 3600, 16);
  h.writeUInt32BE(o.bodyLen >>> 0, 20);
  return h;
}

// A datagram from raw message bytes: envelope + msg with MessageLength = msg.length (or o.msgLen).
function dgramOf(reqId, msg, env) {
  return Buffer.concat([hdl.envelope(Object.assign({ reqId, msgLen: msg.length }, env || {})), msg]);
}

// Probes with a known outcome: rc expected, or null for "no answer at all".
function udpProbes(a) {
  const p = [];
  const add = (name, expect, build) => { const id = newId(); p.push({ name, expect, id, d: build(id) }); };
  const good = (id) => hdl.resolution(a.handle, id);
  const body = hdl.resolutionBody(a.handle);
  add('valid request, for reference', 1, good);
  add('CredentialLength omitted (Java tolerates it)', 1, (id) => dgramOf(id, Buffer.concat([header({ bodyLen: body.length }), body])));
  add('handle length past the body', 4, (id) => {
    const b = Buffer.concat([hdl.u32(0xfffffff0), Buffer.from('x')]);
    return dgramOf(id, Buffer.concat([header({ bodyLen: b.length }), b, hdl.u32(0)]));
  });
  add('index count past the body', 4, (id) => {
    const b = Buffer.concat([hdl.str(a.handle), hdl.u32(1000000), hdl.u32(0)]);
    return dgramOf(id, Buffer.concat([header({ bodyLen: b.length }), b, hdl.u32(0)]));
  });
  add('BodyLength past the message', 4, (id) => dgramOf(id, Buffer.concat([header({ bodyLen: 5000 }), body, hdl.u32(0)])));
  add('bytes after the credential', 4, (id) => dgramOf(id, Buffer.concat([header({ bodyLen: body.length }), body, hdl.u32(0), Buffer.from('junk')])));
  add('unknown opcode', 5, (id) => hdl.request({ reqId: id, opcode: 9999, body }));
  add('a response (rc 1): never answered', null, (id) => hdl.request({ reqId: id, rc: 1, body }));
  add('major version 3', null, (id) => hdl.request({ reqId: id, body, env: { major: 3 } }));
  add('major version 1', null, (id) => hdl.request({ reqId: id, body, env: { major: 1 } }));
  add('compressed flag', null, (id) => hdl.request({ reqId: id, body, env: { flags: 0x80 } }));
  add('encrypted flag', null, (id) => hdl.request({ reqId: id, body, env: { flags: 0x40 } }));
  add('MessageLength 0', null, (id) => hdl.envelope({ reqId: id, msgLen: 0 }));
  add('MessageLength 23', null, (id) => dgramOf(id, Buffer.alloc(23)));
  add('MessageLength 0xffffffff', null, (id) => Buffer.concat([hdl.envelope({ reqId: id, msgLen: 0xffffffff }), good(id).subarray(20)]));
  add('MessageLength over max_request_size', null, (id) => Buffer.concat([hdl.envelope({ reqId: id, msgLen: a.maxRequest + 1, flags: 0x20 }), Buffer.alloc(492)]));
  add('payload longer than MessageLength', null, (id) => Buffer.concat([good(id), Buffer.from('xx')]));
  add('fragment with sequence beyond the count', null, (id) => {
    const d = good(id);
    d[2] |= 0x20;
    d.writeUInt32BE(7, 12);
    return d;
  });
  add('envelope only', null, (id) => hdl.envelope({ reqId: id, msgLen: 60 }));
  const g = good(0);
  for (let cut = 0; cut < g.length; cut++) {
    add(`valid request cut at ${cut}`, null, (id) => { const d = Buffer.from(good(id)); return d.subarray(0, cut); });
  }
  return p;
}

async function udpAbuse(a) {
  const { host, port } = hdl.splitHostPort(a.udp);
  const sock = dgram.createSocket('udp4');
  const answers = new Map();
  sock.on('message', (d) => {
    if (d.length >= 44) answers.set(d.readUInt32BE(8), d.readUInt32BE(24));
  });
  await new Promise((r) => sock.bind(0, r));
  const send = (d) => new Promise((r) => sock.send(d, port, host, () => { counts.udpSent++; r(); }));
  const probes = udpProbes(a);
  for (const p of probes) await send(p.d);
  // garbage of every length up to a full datagram (first byte never 2: no valid version)
  for (let i = 0; i < 3000; i++) {
    const d = crypto.randomBytes(i % 600);
    if (d.length > 0) d[0] = d[0] === 2 ? 3 : d[0];
    await send(d);
  }
  // a flood of first fragments of large messages that never complete (reassembly memory cap)
  for (let i = 0; i < 2000; i++) {
    const d = Buffer.concat([hdl.envelope({ reqId: newId(), msgLen: a.maxRequest - 100, flags: 0x20 }), header({ bodyLen: a.maxRequest - 128 }), crypto.randomBytes(468)]);
    await send(d);
  }
  await sleep(1000);
  for (const p of probes) {
    const got = answers.has(p.id) ? answers.get(p.id) : null;
    if (got !== p.expect) failed(`UDP ${p.name}: expected ${p.expect === null ? 'no answer' : `rc ${p.expect}`}, got ${got === null ? 'no answer' : `rc ${got}`}`);
  }
  sock.close();
  // a legitimate multi-datagram request after the flood: fragments reversed and duplicated
  const big = hdl.resolution(`${a.handle.split('/')[0]}/${'x'.repeat(1500)}`, newId());
  const frags = hdl.fragment(big);
  if (frags.length < 3) failed('test bug: the large request is not fragmented');
  const res = hdl.parseResponse(await hdl.udpExchange(a.udp, big));
  // longer than max_id_chars (255): RC_INVALID_HANDLE
  if (res.rc !== 102) failed(`fragmented request for a 1500-byte handle: rc ${res.rc}, want 102`);
}

async function udpReversed(a) {
  // send the fragments of a large request in reverse order with duplicates on a raw socket
  const { host, port } = hdl.splitHostPort(a.udp);
  const id = newId();
  const unit = hdl.resolution(a.handle, id, { types: Array.from({ length: 60 }, (_, i) => `TYPE_${i}_${'t'.repeat(10)}`) });
  const frags = hdl.fragment(unit);
  const sock = dgram.createSocket('udp4');
  const got = new Promise((resolve) => {
    const t = setTimeout(() => resolve(null), 2000);
    sock.on('message', (d) => { if (d.readUInt32BE(8) === id) { clearTimeout(t); resolve(d.readUInt32BE(24)); } });
  });
  await new Promise((r) => sock.bind(0, r));
  for (const f of frags.slice().reverse().concat(frags)) sock.send(f, port, host);
  const rc = await got;
  sock.close();
  if (frags.length < 2) failed('test bug: typed request not fragmented');
  // the handle exists but none of the types do: 200 VALUES_NOT_FOUND
  if (rc !== 200) failed(`reversed, duplicated fragments: ${rc === null ? 'no answer' : `rc ${rc}`}, want 200`);
}

// ---- TCP ----

async function tcpCase(a, name, payload, expect) {
  counts.tcpCases++;
  let c;
  try {
    c = await hdl.tcpConnect(a.tcp, { localAddress: '127.0.0.3' });
  } catch (e) {
    failed(`TCP ${name}: connect: ${e.message}`);
    return;
  }
  c.sock.write(payload);
  const closedIn = (expect.closeWithin || 2) * 1000;
  for (const rc of expect.answers || []) {
    let u;
    try {
      u = await c.reader.next(closedIn);
    } catch (e) {
      failed(`TCP ${name}: ${e.message}`);
      break;
    }
    if (u === null) { failed(`TCP ${name}: closed before the answer rc ${rc}`); break; }
    const got = hdl.parseResponse(u).rc;
    if (got !== rc) failed(`TCP ${name}: answer rc ${got}, want ${rc}`);
  }
  if (expect.staysOpen) {
    if (await hdl.waitClosed(c.sock, 300)) failed(`TCP ${name}: closed, should stay open`);
    c.sock.destroy();
    return;
  }
  if (!(await hdl.waitClosed(c.sock, closedIn))) failed(`TCP ${name}: not closed within ${closedIn} ms`);
  if (c.reader.units.length > 0) failed(`TCP ${name}: unexpected extra answer`);
  c.sock.destroy();
}

async function tcpAbuse(a) {
  const good = (flags) => hdl.resolution(a.handle, newId(), flags === undefined ? {} : { flags });
  const body = hdl.resolutionBody(a.handle);
  const kc = (hdl.DEFAULT_FLAGS | hdl.FLAG.KC) >>> 0;
  const slow = a.io + 2;
  const g = crypto.randomBytes(100);
  g[0] = 0x47;
  const cases = [
    ['garbage', g, {}],
    ['short envelope, then silence', Buffer.alloc(10, 2), { closeWithin: slow }],
    ['MessageLength over the protocol maximum', hdl.envelope({ reqId: 1, msgLen: 262145 }), {}],
    ['MessageLength over max_request_size', hdl.envelope({ reqId: 1, msgLen: a.maxRequest + 1 }), {}],
    ['MessageLength 0xffffffff', hdl.envelope({ reqId: 1, msgLen: 0xffffffff }), {}],
    ['wrong version', hdl.request({ reqId: 1, body, env: { major: 5 } }), {}],
    ['a response code', hdl.request({ reqId: 1, rc: 100, body }), {}],
    ['truncated request, then silence', good().subarray(0, 40), { closeWithin: slow }],
    ['bad body', hdl.request({ reqId: 1, body: hdl.u32(0xffffff00) }), { answers: [4] }],
    ['unknown opcode', hdl.request({ reqId: 1, opcode: 4242, body }), { answers: [5] }],
    ['one request without KC, a second ignored', Buffer.concat([good(), good()]), { answers: [1] }],
    ['three pipelined KC requests', Buffer.concat([good(kc), good(kc), good(kc)]), { answers: [1, 1, 1], staysOpen: true }],
    ['KC requests then one without', Buffer.concat([good(kc), good(kc), good()]), { answers: [1, 1, 1] }],
    ['KC request then garbage', Buffer.concat([good(kc), g]), { answers: [1] }],
    ['idle connection', Buffer.alloc(0), { closeWithin: a.idle + 2 }],
  ];
  await Promise.all(cases.map(([n, p, e]) => tcpCase(a, n, p, e)));
}

// Slow clients: a valid request one byte at a time; the I/O time-out ends each.
async function slowloris(a) {
  const conns = await Promise.all(Array.from({ length: 20 }, () => hdl.tcpConnect(a.tcp, { localAddress: '127.0.0.4' })));
  const unit = hdl.resolution(a.handle, newId());
  let stop = false;
  const dripping = conns.map(async (c) => {
    for (let i = 0; i < unit.length && !stop && !c.sock.destroyed; i++) {
      c.sock.write(unit.subarray(i, i + 1));
      await sleep(400);
    }
  });
  const closed = await Promise.all(conns.map((c) => hdl.waitClosed(c.sock, (a.io + 3) * 1000)));
  stop = true;
  await Promise.all(dripping);
  if (closed.some((x) => !x)) failed(`slowloris: ${closed.filter((x) => !x).length} of 20 connections still open after ${a.io + 3} s`);
  if (conns.some((c) => c.reader.units.length > 0)) failed('slowloris: a drip-fed request was answered');
  conns.forEach((c) => c.sock.destroy());
}

// More connections from one address than max_connections_per_ip: the rest are closed at once.
async function flood(a) {
  const n = a.perIp + 100;
  const settled = await Promise.allSettled(Array.from({ length: n }, () => hdl.tcpConnect(a.tcp, { localAddress: '127.0.0.5' })));
  const conns = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  const closed = await Promise.all(conns.map((c) => hdl.waitClosed(c.sock, 1500)));
  const open = closed.filter((x) => !x).length;
  if (open > a.perIp) failed(`connection flood: ${open} connections open, cap ${a.perIp}`);
  if (open < a.perIp / 2) failed(`connection flood: only ${open} connections accepted, cap ${a.perIp}`);
  conns.forEach((c) => c.sock.destroy());
  await sleep(300);
  // the cap is released as connections close
  const [u] = await hdl.tcpExchange(a.tcp, [hdl.resolution(a.handle, newId())], 2000).catch(() => [null]);
  if (u === null) failed('connection flood: no answer after the flood ended');
}

async function main() {
  const a = argsOf(process.argv.slice(2));
  const state = { stop: false };
  const check = checker(a, state);
  const t0 = Date.now();
  await udpAbuse(a);
  await udpReversed(a);
  await tcpAbuse(a);
  await slowloris(a);
  await flood(a);
  state.stop = true;
  await check;
  if (counts.checks < 5) failed(`only ${counts.checks} valid queries checked`);
  process.stdout.write(JSON.stringify(Object.assign({ seconds: (Date.now() - t0) / 1000, failures: failures.length }, counts)) + '\n');
  process.exit(failures.length === 0 ? 0 : 1);
}

main().catch((e) => {
  process.stderr.write(`hdl_malformed: ${e.stack}\n`);
  process.exit(1);
});
