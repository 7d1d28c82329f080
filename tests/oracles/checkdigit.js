#!/usr/bin/env node
// checkdigit.js - GS1 mod-10 check digits against GS1 Germany's calculator
// (@ollah666/checkdigitcalculator, ref/traceability.md §3.4).
//   node checkdigit.js random WIDTH N [SEED]   print N random WIDTH-digit numbers (one a line)
//   node checkdigit.js verify < keys           each line a GS1 key with its check digit: the
//                                              oracle's digit for the body must equal the last
//                                              digit; prints "N checked", exits 1 on a mismatch
'use strict';
const calc = require('@ollah666/checkdigitcalculator');

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

const [mode, a, b, c] = process.argv.slice(2);
if (mode === 'random') {
  const width = Number(a), n = Number(b), next = rng(Number(c || Date.now()));
  const out = [];
  for (let i = 0; i < n; i++) {
    let s = '';
    for (let j = 0; j < width; j++) s += String(next() % 10);
    out.push(s);
  }
  process.stdout.write(out.join('\n') + '\n');
} else if (mode === 'verify') {
  const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter((l) => l.length);
  let bad = 0;
  for (const key of lines) {
    const body = key.slice(0, -1), want = calc(body);
    if (!/^[0-9]{2,18}$/.test(key) || want === null || String(want) !== key.slice(-1)) {
      console.error(`mismatch: ${key}: the oracle says ${body}${want}`);
      bad++;
    }
  }
  console.log(`${lines.length} checked, ${bad} mismatches`);
  process.exit(bad || lines.length === 0 ? 1 : 0);
} else {
  console.error('usage: checkdigit.js random WIDTH N [SEED] | verify < keys');
  process.exit(2);
}
