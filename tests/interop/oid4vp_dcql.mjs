#!/usr/bin/env node
/*
 * oid4vp_dcql: the independent DCQL implementation (the OpenWallet Foundation's `dcql`
 * package, pinned in package.json) for lerkit's OpenID4VP interop tests. JSON in on stdin,
 * JSON out on stdout; exit 1 with {"error"} on a usage error.
 *
 *   check < {"cases": [{"query", "credentials": [{"credential_format", "claims",
 *             "type"? (W3C), "vct"? (SD-JWT VC), "cryptographic_holder_binding"}]}]}
 *     -> {"results": [{"parsed": bool, "error"?: string, "can_be_satisfied"?: bool,
 *                      "matches"?: {credential query id: bool}}]}
 *   Each query is parsed and validated (DcqlQuery.parse + validate); when it parses, it is
 *   run against the credentials (DcqlQuery.query).
 */
import {realpathSync} from 'node:fs';
import {pathToFileURL} from 'node:url';

import {DcqlQuery} from 'dcql';

async function readStdinJson() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function check({query, credentials}) {
  let parsed;
  try {
    parsed = DcqlQuery.parse(query);
    DcqlQuery.validate(parsed);
  } catch(e) {
    return {parsed: false, error: String(e && e.message || e).slice(0, 300)};
  }
  const result = DcqlQuery.query(parsed, credentials || []);
  const matches = {};
  for(const [id, match] of Object.entries(result.credential_matches)) {
    matches[id] = match.success === true;
  }
  return {parsed: true, can_be_satisfied: result.can_be_satisfied, matches};
}

export async function main(args) {
  const [command] = args;
  if(command !== 'check') {
    throw new Error('usage: oid4vp_dcql.mjs check < {"cases": [...]}');
  }
  const input = await readStdinJson();
  return {results: (input.cases || []).map(check)};
}

const isMain = process.argv[1] &&
  import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if(isMain) {
  main(process.argv.slice(2)).then(result => {
    process.stdout.write(JSON.stringify(result) + '\n');
  }).catch(e => {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
    process.stdout.write(JSON.stringify({error: String(e && e.message || e)}) + '\n');
    process.exitCode = 1;
  });
}
