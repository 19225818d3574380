#!/usr/bin/env node
/*
 * ecdsa_sd: the reference JavaScript side (Digital Bazaar's
 * @digitalbazaar/ecdsa-sd-2023-cryptosuite, pinned in package.json) of lerkit's
 * ecdsa-sd-2023 interop tests and benchmark. JSON in on stdin, JSON out on stdout.
 * On failure: exit code 1 (2 for a usage error), one line `{"error": "..."}`.
 * A verification that fails is not a failure: verify prints
 * {"verified": false, "error": "..."} and exits 0.
 *
 *   sign    < {"credential", "key": {publicKeyMultibase, secretKeyMultibase},
 *              "mandatoryPointers": [...], "created"?: ISO}
 *       -> {"credential"}     (a base proof by did:key:<key>#<key>)
 *   derive  < {"credential", "selectivePointers": [...]}     -> {"credential"}
 *   verify  < {"credential"}    -> {"verified": true} | {"verified": false, "error"}
 *   verify-many < {"credentials": [...]}  -> {"results": [<verify result>, ...]}
 *   bench   < {"credential", "key", "mandatoryPointers", "selectivePointers",
 *              "n", "warmup"}
 *       -> {"sign_per_s", "derive_per_s", "verify_per_s", ...}
 *
 * Every JSON-LD context comes from src/lerkit/core/contexts (lib/loader.mjs); did:key
 * is resolved locally; nothing is fetched.
 */
// "one core" for the benchmark: libuv's thread pool (async crypto) to one thread
process.env.UV_THREADPOOL_SIZE = process.env.UV_THREADPOOL_SIZE || '1';

import {realpathSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import {pathToFileURL} from 'node:url';

import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {
  createDiscloseCryptosuite,
  createSignCryptosuite,
  createVerifyCryptosuite
} from '@digitalbazaar/ecdsa-sd-2023-cryptosuite';
import jsigs from 'jsonld-signatures';

import {makeDocumentLoader} from './lib/loader.mjs';

const {purposes: {AssertionProofPurpose}} = jsigs;

class UsageError extends Error {}

async function readStdinJson() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if(!text) {
    throw new UsageError('expected a JSON document on stdin');
  }
  return JSON.parse(text);
}

function clone(value) {
  return JSON.parse(JSON.stringify(value));
}

async function importKey(key) {
  if(!(key && typeof key.publicKeyMultibase === 'string')) {
    throw new UsageError('"key" needs publicKeyMultibase and secretKeyMultibase');
  }
  const did = `did:key:${key.publicKeyMultibase}`;
  return EcdsaMultikey.from({
    '@context': 'https://w3id.org/security/multikey/v1',
    type: 'Multikey',
    id: `${did}#${key.publicKeyMultibase}`,
    controller: did,
    publicKeyMultibase: key.publicKeyMultibase,
    secretKeyMultibase: key.secretKeyMultibase
  });
}

export async function sign({credential, key, mandatoryPointers = [], created}, loader) {
  const keyPair = await importKey(key);
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    date: created || undefined,
    cryptosuite: createSignCryptosuite({mandatoryPointers})
  });
  return jsigs.sign(clone(credential), {
    suite, purpose: new AssertionProofPurpose(), documentLoader: loader
  });
}

export async function derive({credential, selectivePointers = []}, loader) {
  const suite = new DataIntegrityProof({
    cryptosuite: createDiscloseCryptosuite({selectivePointers})
  });
  return jsigs.derive(clone(credential), {
    suite, purpose: new AssertionProofPurpose(), documentLoader: loader
  });
}

export async function verify({credential}, loader) {
  const suite = new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()});
  const result = await jsigs.verify(clone(credential), {
    suite, purpose: new AssertionProofPurpose(), documentLoader: loader
  });
  if(result.verified) {
    return {verified: true};
  }
  const errors = [];
  const collect = e => {
    if(!e) {
      return;
    }
    if(Array.isArray(e)) {
      e.forEach(collect);
      return;
    }
    errors.push(String(e.message || e));
    if(e.errors) {
      collect(e.errors);
    }
  };
  collect(result.error);
  for(const r of result.results || []) {
    collect(r.error);
  }
  return {verified: false, error: errors.join('; ') || 'not verified'};
}

export async function verifyMany({credentials}, loader) {
  if(!Array.isArray(credentials)) {
    throw new UsageError('"credentials" must be an array');
  }
  const results = [];
  for(const credential of credentials) {
    results.push(await verify({credential}, loader));
  }
  return {results};
}

export async function bench(input, loader) {
  const {n = 20, warmup = 3} = input;
  if(!(Number.isInteger(n) && n > 0)) {
    throw new UsageError('"n" must be a positive integer');
  }
  let base;
  let derived;
  for(let i = 0; i < warmup; ++i) {
    base = await sign(input, loader);
    derived = await derive({...input, credential: base}, loader);
    const r = await verify({credential: derived}, loader);
    if(!r.verified) {
      throw new Error(`bench: verification failed: ${r.error}`);
    }
  }
  const time = async fn => {
    const t0 = performance.now();
    for(let i = 0; i < n; ++i) {
      await fn();
    }
    return (performance.now() - t0) / 1000;
  };
  const signSeconds = await time(async () => {
    base = await sign(input, loader);
  });
  const deriveSeconds = await time(async () => {
    derived = await derive({...input, credential: base}, loader);
  });
  const verifySeconds = await time(async () => {
    await verify({credential: derived}, loader);
  });
  return {
    n,
    warmup,
    sign_per_s: n / signSeconds,
    derive_per_s: n / deriveSeconds,
    verify_per_s: n / verifySeconds,
    node: process.version
  };
}

async function main() {
  const command = process.argv[2];
  const commands = {sign, derive, verify, 'verify-many': verifyMany, bench};
  if(!commands[command]) {
    throw new UsageError('usage: ecdsa_sd.mjs sign|derive|verify|verify-many|bench < JSON');
  }
  const input = await readStdinJson();
  const loader = makeDocumentLoader();
  const result = await commands[command](input, loader);
  if(command === 'sign' || command === 'derive') {
    return {credential: result};
  }
  return result;
}

const isMain = process.argv[1] &&
  import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if(isMain) {
  main().then(out => {
    process.stdout.write(JSON.stringify(out) + '\n');
  }).catch(e => {
    process.stdout.write(JSON.stringify({error: String(e && e.message || e)}) + '\n');
    if(e && e.stack) {
      process.stderr.write(e.stack + '\n');
    }
    process.exit(e instanceof UsageError ? 2 : 1);
  });
}
