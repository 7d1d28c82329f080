'use strict';
// validate-handle.js - validate many JSON documents in one process against
// handle-rest.schema.json (JSON Schema draft 2020-12, ajv 8 + ajv-formats 3).
//
// usage: node validate-handle.js [KIND:]FILE...
//   KIND is record, error, listing or any (default: any of the three).
// Prints one line per file ("FILE valid" / "FILE INVALID <why>"); exits 0 when every file is
// valid, 1 when one is not (each failing file is named), 2 on a usage error or an
// unreadable / unparseable file.
const fs = require('fs');
const path = require('path');
const Ajv2020 = require('ajv/dist/2020');
const addFormats = require('ajv-formats');

const schemaFile = path.join(__dirname, 'handle-rest.schema.json');
const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
const ajv = new Ajv2020({ strictTypes: true, strictTuples: true, allErrors: true });
addFormats(ajv);
ajv.addSchema(schema);

const kinds = {
  any: schema.$id,
  record: schema.$id + '#/$defs/record',
  error: schema.$id + '#/$defs/error',
  listing: schema.$id + '#/$defs/listing',
};

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error('usage: node validate-handle.js [record|error|listing|any:]FILE...');
  process.exit(2);
}

let bad = 0;
let broken = 0;
for (const arg of args) {
  const m = /^(record|error|listing|any):(.*)$/.exec(arg);
  const kind = m ? m[1] : 'any';
  const file = m ? m[2] : arg;
  const validate = ajv.getSchema(kinds[kind]);
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    console.log(`${file} UNREADABLE ${e.message}`);
    broken++;
    continue;
  }
  if (validate(doc)) {
    console.log(`${file} valid (${kind})`);
    continue;
  }
  bad++;
  const why = validate.errors
    .filter((e) => e.keyword !== 'if')
    .map((e) => `${e.instancePath || '/'} ${e.message}`)
    .join('; ');
  console.log(`${file} INVALID (${kind}) ${why}`);
}
process.exit(broken ? 2 : bad ? 1 : 0);
