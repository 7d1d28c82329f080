// event_hash_gen.js SEED COUNT OUTDIR - random EPCIS 2.0 events built with the epcis2.js
// builder (the oracle of ref/traceability.md §2.1, §2.4): writes OUTDIR/doc.jsonld (an
// EPCISDocument, checked with validateEpcisDocument) and OUTDIR/expected.hashes (one
// eventToHashedId per event). Kept to what the reference generator and epcis2.js hash alike:
// no empty lists, no Digital Link with both lot and serial, no sub-millisecond times, no
// sourceList/destinationList/sensorElementList (their order differs between the two).
'use strict';
const path = require('path');
const fs = require('fs');
const e = require(path.join(process.env.ORACLES, 'node_modules', 'epcis2.js'));

const [seed, count, out] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
let s = seed >>> 0;
const rnd = () => { // mulberry32
  s = (s + 0x6D2B79F5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (n) => Math.floor(rnd() * n);
const pick = (a) => a[int(a.length)];
const digits = (n) => Array.from({ length: n }, () => int(10)).join('');
const serial = () => Array.from({ length: 1 + int(10) }, () => pick('ABCXYZ0123456789-_'.split(''))).join('');
const checkDigit = (body) => {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return String((10 - (sum % 10)) % 10);
};
const cp = () => '69' + digits(5); // 7-digit company prefix
const NS = 'https://ns.example.com/epcis/';

const instance = () => {
  switch (int(8)) {
    case 0: case 1: return `urn:epc:id:sgtin:${cp()}.0${digits(5)}.${serial()}`;
    case 2: return `urn:epc:id:sgtin:${cp()}.1${digits(5)}.${digits(4)}`; // not SSCC URNs: epcis2.js keeps their extension digit twice
    case 3: { const g = '0' + cp() + digits(5); return `https://res.example.cn/01/${g}${checkDigit(g)}/21/${serial()}`; }
    case 4: { const g = '0' + cp() + digits(9); return `https://id.gs1.org/00/${g}${checkDigit(g)}`; }
    case 5: return `urn:epc:id:grai:${cp()}.${digits(5)}.${serial()}`;
    case 6: return `urn:epc:id:giai:${cp()}.${serial()}`;
    default: return `https://node.example.cn/88.118.8/P${digits(6)}`;
  }
};
const klass = () => (rnd() < 0.7 ? `urn:epc:class:lgtin:${cp()}.0${digits(5)}.L${digits(4)}`
  : `https://node.example.cn/88.118.8/LOT${digits(5)}`);
const place = () => pick([`urn:epc:id:sgln:${cp()}.${digits(5)}.${pick(['0', 'LINE1', 'WS' + digits(2)])}`,
  `https://node.example.cn/88.118.8/process-${digits(3)}`]);
const quantity = () => {
  const q = new e.QuantityElement().setEpcClass(klass());
  if (rnd() < 0.85) {
    q.setQuantity(pick([1, 2, 2.5, 0.125, 1000, 12.75, 3.3333, 1e-7, 250000, 0.5]));
    if (rnd() < 0.7) q.setUom(pick(['KGM', 'MTR', 'EA', 'LTR', 'H87']));
  }
  return q;
};
const pad = (n) => String(n).padStart(2, '0');
const time = () => {
  const utc = Date.UTC(2020, 0, 1) + int(6 * 365 * 86400) * 1000 + int(1000);
  const off = pick([0, 480, 480, -300, 330, 345, -600, 840, -720, 60, -150]);
  const d = new Date(utc + off * 60000);
  const frac = rnd() < 0.3 ? '' : `.${String(d.getUTCMilliseconds()).padStart(3, '0')}`;
  const zone = off === 0 && rnd() < 0.5 ? 'Z'
    : `${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  const t = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac}${zone}`;
  return [t, `${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`];
};
const times = (n, f) => { for (let i = 0; i < n; i++) f(); };

const common = (ev) => {
  const [t, tz] = time();
  ev.setEventTime(t).setEventTimeZoneOffset(tz);
  if (rnd() < 0.5) ev.setBizStep(rnd() < 0.9 ? pick(Object.values(e.cbv.bizSteps)) : 'https://example.com/bizstep/welding');
  if (rnd() < 0.5) ev.setDisposition(rnd() < 0.9 ? pick(Object.values(e.cbv.dispositions)) : 'https://example.com/disp/quarantined');
  if (rnd() < 0.6) ev.setReadPoint(place());
  if (rnd() < 0.4) ev.setBizLocation(place());
  if (rnd() < 0.3) ev.addBizTransaction(new e.BizTransactionElement().setType(pick(['po', 'inv', 'prodorder'])).setBizTransaction(`urn:epcglobal:cbv:bt:${cp()}:${digits(4)}`));
  if (rnd() < 0.2) ev.setRecordTime('2026-01-01T00:00:00.000Z');
  if (rnd() < 0.3) ev.addExtension('ex:note', pick(['first shift', 'ok', 'line stop 3']));
  if (rnd() < 0.2) ev.addExtension('ex:temperature', pick([21.5, 7, 100]));
  if (rnd() < 0.2) ev.addExtension('ex:batch', { 'ex:operator': 'W' + digits(3), 'ex:station': String(int(9) + 1) });
  return ev;
};

const make = () => {
  const kind = int(4);
  if (kind === 0) {
    const ev = new e.ObjectEvent();
    const action = pick(['ADD', 'OBSERVE', 'DELETE']);
    ev.setAction(action);
    if (rnd() < 0.8) times(1 + int(3), () => ev.addEPC(instance()));
    if (ev.epcList === undefined || rnd() < 0.3) times(1 + int(2), () => ev.addQuantity(quantity()));
    return common(ev);
  }
  if (kind === 1 || kind === 3) {
    const ev = kind === 1 ? new e.AggregationEvent() : new e.AssociationEvent();
    const action = pick(['ADD', 'OBSERVE', 'DELETE']);
    ev.setAction(action).setParentId(instance());
    if (rnd() < 0.8) times(1 + int(3), () => ev.addChildEPC(instance()));
    if (ev.childEPCs === undefined || rnd() < 0.3) times(1 + int(2), () => ev.addChildQuantity(quantity()));
    return common(ev);
  }
  const ev = new e.TransformationEvent();
  if (rnd() < 0.7) times(1 + int(3), () => ev.addInputEPC(instance()));
  if (ev.inputEPCList === undefined || rnd() < 0.4) times(1 + int(2), () => ev.addInputQuantity(quantity()));
  if (rnd() < 0.8) times(1 + int(2), () => ev.addOutputEPC(instance()));
  if (ev.outputEPCList === undefined || rnd() < 0.3) times(1, () => ev.addOutputQuantity(quantity()));
  if (rnd() < 0.5) ev.setTransformationID(`urn:uuid:${digits(8)}-0000-4000-8000-${digits(12)}`);
  return common(ev);
};

const events = Array.from({ length: count }, () => {
  const o = make().toObject();
  if (o.type === 'ObjectEvent' && o.action === 'ADD' && rnd() < 0.3) {
    o.ilmd = { 'ex:lotNumber': 'L' + digits(4), 'ex:cast': 'foundry-' + int(3) };
  }
  return o;
});
const doc = {
  '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', { ex: NS }],
  type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2026-01-01T00:00:00.000Z',
  epcisBody: { eventList: events },
};
const v = e.validateEpcisDocument(doc, false);
if (!v.success) { console.error('generated document invalid:', v.errors); process.exit(1); }
fs.writeFileSync(path.join(out, 'doc.jsonld'), JSON.stringify(doc, null, 1));
fs.writeFileSync(path.join(out, 'expected.hashes'),
  events.map((ev) => e.eventToHashedId(ev, { ex: NS })).join('\n') + '\n');
