// hdl_flood.js - what a UDP requester (or a spoofer, from the victim's side) gets back: sends
// single-datagram RESOLUTION requests for one handle, round-robin from several sockets of one
// local address (so from many ports, as spoofed requests would come), each sent once, never
// retried; counts every datagram that comes back until --wait ms after the last request.
//   node hdl_flood.js HOST:PORT HANDLE [--count N] [--sockets S] [--interval MS] [--wait MS]
//                     [--local ADDR]
// Prints one JSON line: requests, bytesIn (request bytes sent), bytesOut (answer bytes received,
// UDP payload), datagrams, maxDatagram, answered (requests with at least one datagram back),
// complete (requests whose every datagram came back), elapsedMs (first request to last
// datagram, or to the last request when nothing came back), factor (bytesOut / bytesIn).
'use strict';

const dgram = require('dgram');
const hdl = require('./hdl_lib.js');

function usage() {
  process.stderr.write('usage: node hdl_flood.js HOST:PORT HANDLE [--count N] [--sockets S] ' +
    '[--interval MS] [--wait MS] [--local ADDR]\n');
  process.exit(2);
}

function parseArgs(argv) {
  if (argv.length < 2) usage();
  const o = { addr: argv[0], handle: argv[1], count: 1, sockets: 1, interval: 0, wait: 1000, local: undefined };
  for (let i = 2; i < argv.length; i += 2) {
    const v = argv[i + 1];
    if (v === undefined) usage();
    const key = argv[i].replace(/^--/, '');
    if (!(key in o) || key === 'addr' || key === 'handle') usage();
    o[key] = key === 'local' ? v : Number(v);
  }
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function bind(sock, local) {
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ port: 0, address: local }, () => resolve());
  });
}

async function main(argv) {
  const o = parseArgs(argv);
  const { host, port } = hdl.splitHostPort(o.addr);
  const family = host.includes(':') ? 'udp6' : 'udp4';
  const st = { requests: 0, bytesIn: 0, bytesOut: 0, datagrams: 0, maxDatagram: 0 };
  const got = new Map(); // request id -> { n: datagrams expected, seen: Set of sequence numbers }
  let first = 0;
  let last = 0;
  const socks = [];
  for (let i = 0; i < o.sockets; i++) {
    const s = dgram.createSocket(family);
    s.on('message', (d) => {
      last = Date.now();
      st.bytesOut += d.length;
      st.datagrams++;
      st.maxDatagram = Math.max(st.maxDatagram, d.length);
      if (d.length < 20) return;
      const id = d.readUInt32BE(8);
      const e = got.get(id) || { n: Math.max(1, Math.ceil(d.readUInt32BE(16) / hdl.UDP_DATA_MAX)), seen: new Set() };
      e.seen.add(d.readUInt32BE(12));
      got.set(id, e);
    });
    await bind(s, o.local);
    socks.push(s);
  }
  first = Date.now();
  for (let i = 0; i < o.count; i++) {
    const unit = hdl.resolution(o.handle, i + 1);
    st.requests++;
    st.bytesIn += unit.length;
    socks[i % socks.length].send(unit, port, host);
    if (o.interval > 0) await sleep(o.interval);
  }
  const sentAll = Date.now();
  await sleep(o.wait);
  for (const s of socks) s.close();
  let complete = 0;
  for (const e of got.values()) if (e.seen.size === e.n) complete++;
  const out = Object.assign(st, {
    answered: got.size,
    complete,
    elapsedMs: (st.datagrams > 0 ? last : sentAll) - first,
    factor: st.bytesIn > 0 ? Math.round((st.bytesOut / st.bytesIn) * 10) / 10 : 0,
  });
  process.stdout.write(JSON.stringify(out) + '\n');
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`hdl_flood: ${e.message}\n`);
  process.exit(1);
});
