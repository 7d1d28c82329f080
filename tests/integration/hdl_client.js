// hdl_client.js - resolve one handle over the Handle protocol and print the decoded answer as
// JSON (without the request id, so answers over UDP and TCP compare equal).
//   node hdl_client.js udp|tcp HOST:PORT HANDLE [--type T]... [--index N]... [--flags HEX]
//                      [--keepalive N]   (tcp: N requests with KC on one connection)
'use strict';

const hdl = require('./hdl_lib.js');

function usage() {
  process.stderr.write('usage: node hdl_client.js udp|tcp HOST:PORT HANDLE [--type T] [--index N] [--flags HEX] [--keepalive N]\n');
  process.exit(2);
}

async function main(argv) {
  if (argv.length < 3 || (argv[0] !== 'udp' && argv[0] !== 'tcp')) usage();
  const [proto, addr, handle] = argv;
  const opts = { types: [], indexes: [] };
  let keepalive = 0;
  for (let i = 3; i < argv.length; i += 2) {
    const v = argv[i + 1];
    if (v === undefined) usage();
    if (argv[i] === '--type') opts.types.push(v);
    else if (argv[i] === '--index') opts.indexes.push(Number(v));
    else if (argv[i] === '--flags') opts.flags = parseInt(v, 16);
    else if (argv[i] === '--keepalive') keepalive = Number(v);
    else usage();
  }
  const reqId = 1 + Math.floor(Math.random() * 0x7ffffffe);
  let answers;
  if (proto === 'udp') {
    answers = [await hdl.udpExchange(addr, hdl.resolution(handle, reqId, opts))];
  } else if (keepalive > 0) {
    const flags = ((opts.flags === undefined ? hdl.DEFAULT_FLAGS : opts.flags) | hdl.FLAG.KC) >>> 0;
    const units = [];
    for (let i = 0; i < keepalive; i++) {
      units.push(hdl.resolution(handle, reqId + i, Object.assign({}, opts, { flags })));
    }
    answers = await hdl.tcpExchange(addr, units);
  } else {
    answers = await hdl.tcpExchange(addr, [hdl.resolution(handle, reqId, opts)]);
  }
  for (let i = 0; i < answers.length; i++) {
    if (answers[i] === null) throw new Error(`connection closed before answer ${i + 1}`);
    const res = hdl.parseResponse(answers[i]);
    if (res.reqId !== ((reqId + i) >>> 0)) throw new Error(`request id ${res.reqId}, sent ${reqId + i}`);
    delete res.reqId;
    process.stdout.write(JSON.stringify(res) + '\n');
  }
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`hdl_client: ${e.message}\n`);
  process.exit(1);
});
