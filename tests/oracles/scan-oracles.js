'use strict';
// scan-oracles.js - differential test of `idr scan --parse-only` against the npm oracles of
// ref/traceability.md §3: bark-js and gs1-barcode-parser-mod (AI splitting, two votes),
// digital-link.js (Digital Link structure and check digits), epc-tds (96-bit EPC hex).
//
// usage: node scan-oracles.js IDR_BIN [SEED]
// Builds a corpus (the ref's examples, random element strings and Digital Links with valid and
// wrong check digits, random SGTIN-96/SSCC-96/SGLN-96/GRAI-96/GIAI-96), runs it through idr in
// one process (one scan per line) and through the oracles, and asserts agreement where the
// oracles agree among themselves. Where an oracle does not check a rule (dates, CSET 82,
// pairing), the generator marks the case and only idr's verdict is asserted. Exits 1 on a
// mismatch (each one printed), 2 on a usage error.
const { spawnSync } = require('child_process');
const bark = require('bark-js');
const { parseBarcode } = require('gs1-barcode-parser-mod');
const { DigitalLink } = require('digital-link.js');
const tds = require('epc-tds');

const idr = process.argv[2];
if (!idr) {
  console.error('usage: node scan-oracles.js IDR_BIN [SEED]');
  process.exit(2);
}
let seed = Number(process.argv[3] || 9) >>> 0;
function rnd(n) { // xorshift32: reproducible corpora
  seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
  return seed % n;
}
const GS = '\x1d';
const digits = (n) => Array.from({ length: n }, () => String(rnd(10))).join('');
const alnum = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789-._';
const text = (n) => Array.from({ length: n }, () => alnum[rnd(alnum.length)]).join('');
function check(body) {
  let s = 0;
  for (let i = 0; i < body.length; i++) s += Number(body[body.length - 1 - i]) * (i % 2 ? 1 : 3);
  return String((10 - (s % 10)) % 10);
}
const withCheck = (body, bad) => body + (bad ? String((Number(check(body)) + 1 + rnd(9)) % 10) : check(body));

// case: {input, type: 'element'|'dl'|'epc', valid?: expected idr verdict when known}
const cases = [];
const ex = ']d20106901234567892' + '10LOT7' + GS + '21SN0001' + GS + '17261231';
for (const s of [ex, ex.slice(3), ']Q30106901234567892' + '21SN0001', ']C100069012340000000016',
  ']e001069012345678923103000125', '0106901234567893', ']d2011234', '0106901234567892' + '1010LOT721SN0001',
  '(01)06901234567892(10)LOT7(21)SN0001', ']d2' + '0106901234567892' + '10LOT7' + GS, '17261331',
  '80100PART-A/B' + GS + '8011123', '8003069012340000092RACK1', '4146901234000009' + '254LINE1']) {
  cases.push({ input: s, type: 'element' });
}
for (const u of ['https://id.gs1.org/01/06901234567892/10/LOT7/21/SN0001?17=261231',
  'https://id.gs1.org/01/06901234567892/21/SN0001/10/LOT7', 'https://id.gs1.org/01/06901234567893',
  'https://example.cn/some/prefix/01/06901234567892', 'https://res.example.cn/01/6901234567892/21/A%2FB',
  'https://id.gs1.org/00/069012340000000016', 'https://id.gs1.org/414/6901234000009/254/LINE1',
  'https://id.gs1.org/00/069012340000000017', 'https://id.gs1.org/414/6901234000005']) {
  cases.push({ input: u, type: 'dl' });
}
for (const h of ['3074257BF7194E4000001A85', '3075A537C8377540000003E9', '3178E61C883950F59A000000']) {
  cases.push({ input: h, type: 'epc' });
}
// random element strings: keys with good or bad check digits, variable fields, dates
for (let i = 0; i < 400; i++) {
  const bad = rnd(4) === 0;
  const badDate = rnd(8) === 0;
  const parts = [];
  const key = rnd(3);
  if (key === 0) parts.push(['01', withCheck(digits(13), bad)]);
  else if (key === 1) parts.push(['00', withCheck(digits(17), bad)]);
  else parts.push(['414', withCheck(digits(12), bad)]);
  if (key === 0) {
    if (rnd(2)) parts.push(['10', text(1 + rnd(20))]);
    if (rnd(2)) parts.push(['21', text(1 + rnd(20))]);
    if (rnd(2)) parts.push(['17', badDate ? '26' + '02' + '30' : '2' + rnd(10) + String(1 + rnd(12)).padStart(2, '0') + String(1 + rnd(28)).padStart(2, '0')]);
    if (rnd(3) === 0) parts.push(['310' + rnd(6), digits(6)]);
  }
  if (key === 2 && rnd(2)) parts.push(['254', text(1 + rnd(20))]);
  if (rnd(4) === 0) parts.push(['240', text(1 + rnd(30))]);
  const fixed = (ai) => ['00', '01', '17', '414'].includes(ai) || ai.startsWith('31');
  let s = '';
  parts.forEach(([ai, v], j) => { s += ai + v + (!fixed(ai) && j + 1 < parts.length ? GS : ''); });
  const sym = ['', ']d2', ']Q3', ']C1'][rnd(4)];
  cases.push({ input: sym + s, type: 'element', valid: !bad && !(badDate && parts.some((p) => p[0] === '17')) });
}
// random Digital Links
for (let i = 0; i < 300; i++) {
  const bad = rnd(4) === 0;
  let u = ['https://id.gs1.org', 'https://res.example.cn/p', 'http://x.cn'][rnd(3)];
  u += '/01/' + withCheck(digits(13), bad);
  const quals = [];
  if (rnd(2)) quals.push(['22', text(1 + rnd(20))]);
  if (rnd(2)) quals.push(['10', text(1 + rnd(20))]);
  if (rnd(2)) quals.push(['21', text(1 + rnd(20))]);
  if (rnd(5) === 0) quals.reverse();
  for (const [ai, v] of quals) u += '/' + ai + '/' + encodeURIComponent(v);
  if (rnd(2)) u += '?17=2' + rnd(10) + String(1 + rnd(12)).padStart(2, '0') + '15';
  cases.push({ input: u, type: 'dl' });
}
// random EPCs built by epc-tds
for (let i = 0; i < 300; i++) {
  const p = rnd(7), cp = 12 - p;
  let e;
  const kind = rnd(5);
  if (kind === 0) e = new tds.Sgtin96().setFilter(rnd(8)).setPartition(p).setGtin(withCheck(digits(13), false)).setSerial(rnd(1 << 30));
  else if (kind === 1) e = new tds.Sscc96().setFilter(rnd(8)).setPartition(p).setSscc(withCheck(digits(17), false));
  else if (kind === 2) e = new tds.Sgln96().setFilter(rnd(8)).setPartition(p).setGln(withCheck(digits(12), false)).setExtension(String(rnd(1000)));
  else if (kind === 3) e = new tds.Grai96().setFilter(rnd(8)).setPartition(p).setGrai('0' + withCheck(digits(12), false) + String(rnd(100000)));
  else e = new tds.Giai96().setFilter(rnd(8)).setPartition(p).setGiai(digits(cp) + String(1 + rnd(1000000)));
  cases.push({ input: e.toHexString(), type: 'epc' });
}

// ---- run idr once over the whole corpus ----
const run = spawnSync(idr, ['scan', '--parse-only'], { input: cases.map((c) => c.input).join('\n') + '\n', maxBuffer: 64 << 20 });
if (run.error) { console.error('cannot run', idr, run.error.message); process.exit(2); }
const out = run.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
if (out.length !== cases.length) { console.error('idr printed', out.length, 'results for', cases.length, 'scans'); process.exit(1); }

const ours = (r) => (r.ok ? r.elements.map((e) => e.ai + '=' + e.value).join(' ') : 'ERR');
function barkSplit(s) {
  try { return bark(s).elements.map((e) => e.ai + '=' + e.raw.replace(/\x1d$/, '')).join(' '); } catch (e) { return 'ERR'; }
}
function pbmSplit(s) {
  try { return parseBarcode(s).parsedCodeItems.map((e) => e.ai + '=' + e.raw).join(' '); } catch (e) { return 'ERR'; }
}
function dlOracle(u) {
  try {
    const d = DigitalLink(u);
    if (!d.isValid() || !d.isCheckDigitValid()) return 'ERR';
    const m = [];
    for (const [k, v] of Object.entries(d.getIdentifier())) m.push(k + '=' + v);
    for (const [k, v] of Object.entries(d.getKeyQualifiers())) m.push(k + '=' + decodeURIComponent(v));
    for (const [k, v] of Object.entries(d.getAttributes())) if (/^\d{2,4}$/.test(k)) m.push(k + '=' + decodeURIComponent(v));
    return m.sort().join(' ');
  } catch (e) { return 'ERR'; }
}
const sorted = (s) => (s === 'ERR' ? s : s.split(' ').sort().join(' '));

let bad = 0, agreed = 0, skipped = 0;
const report = (c, why, r) => { bad++; console.log('MISMATCH', JSON.stringify(c.input), why, JSON.stringify(r)); };
cases.forEach((c, i) => {
  const r = out[i];
  if (c.type === 'epc') {
    let urn;
    try { urn = tds.valueOf(c.input).toIdURI(); } catch (e) { urn = 'ERR'; }
    const got = r.ok ? r.epc_urn : 'ERR';
    // TDS: with a 12-digit company prefix the SGLN location / GRAI asset-type field is empty
    // (PaddedNumericComponentOrEmpty); epc-tds 1.4.1 writes it as "0" (13 digits in all)
    if (got !== urn && got.replace('..', '.0.') === urn) { skipped++; return; }
    if (got !== urn) report(c, 'epc-tds says ' + urn, r); else agreed++;
    return;
  }
  if (c.type === 'dl') {
    const want = dlOracle(c.input);
    const got = r.ok && r.form === 'dl' ? sorted(ours(r)) : 'ERR';
    if (got !== want) report(c, 'digital-link.js says ' + want, r); else agreed++;
    return;
  }
  const b = barkSplit(c.input), p = pbmSplit(c.input);
  if (b !== p) { skipped++; return; }
  const got = ours(r);
  if (c.valid !== undefined && r.ok !== c.valid) { report(c, 'generated as ' + (c.valid ? 'valid' : 'invalid'), r); return; }
  if (r.ok && got !== b) { report(c, 'bark-js and gs1-barcode-parser-mod split it as ' + b, r); return; }
  if (!r.ok && b !== 'ERR' && c.valid === undefined &&
      !/check digit|does not exist|not in CSET|needs|appears twice|not a digit|expected \d+$/.test(r.error)) {
    report(c, 'oracles accept it as ' + b, r); return;
  }
  if (!r.ok && b === 'ERR' && r.error === '') { report(c, 'no error message', r); return; }
  agreed++;
});
console.log(`scan oracles: ${cases.length} scans, ${agreed} agree, ${skipped} skipped (oracles disagree or deviate from the standard), ${bad} mismatches`);
process.exit(bad ? 1 : 0);
