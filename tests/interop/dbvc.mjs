#!/usr/bin/env node
/*
 * dbvc: the reference JavaScript side (Digital Bazaar's libraries) of lerkit's
 * interop tests and benchmarks. JSON in (stdin / files), JSON out (stdout).
 * On failure: exit code 1 (2 for a usage error), one line `{"error": "..."}` on
 * stdout, the stack on stderr. A verification that fails is not a failure:
 * verify-* print {"verified": false, "errors": [...], "problem": CODE}, exit 0.
 *
 *   keygen --type ed25519|p256|p384 [--seed HEX]
 *   sign-vc --key KEYFILE --suite SUITE [--created ISO] [--resource URL=FILE ...]
 *                                                                < credential
 *   verify-vc [--resource URL=FILE ...] [--now ISO]              < credential
 *   sign-vp --key KEYFILE --suite SUITE --challenge C [--domain D]
 *           [--created ISO] [--now ISO]       < presentation | {verifiableCredential, holder}
 *   verify-vp --challenge C [--domain D] [--resource URL=FILE ...] [--now ISO]
 *                                                                < presentation
 *   status-list --size N --set I,J,... --url URL --issuer-key KEYFILE
 *           [--purpose revocation|suspension] [--created ISO] [--valid-from ISO]
 *   verify-batch < {"items": [{"kind": "credential"|"presentation", "document",
 *           "resources": {URL: document}, "challenge", "domain", "now"}, ...]}
 *       -> {"results": [{verified, errors, problem}, ...]} (one process, many checks)
 *   make-fixtures --out DIR
 *   bench --suite eddsa-rdfc-2022|ed25519-signature-2020|ecdsa-rdfc-2019 --n N
 *           [--key KEYFILE] [--warmup W]           < {"credential", "key"} | credential
 *
 * SUITE is eddsa-rdfc-2022 | ed25519-signature-2020 | ecdsa-rdfc-2019.
 * Every JSON-LD context comes from src/lerkit/core/contexts (see lib/loader.mjs);
 * nothing is fetched.
 */
// keep libuv's thread pool (async crypto) to one thread: "one core" for bench
process.env.UV_THREADPOOL_SIZE = process.env.UV_THREADPOOL_SIZE || '1';

import {createECDH, createHash, randomBytes} from 'node:crypto';
import {mkdirSync, readFileSync, realpathSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {pathToFileURL} from 'node:url';
import {parseArgs} from 'node:util';

import * as vc from '@digitalbazaar/vc';
import * as bsl from '@digitalbazaar/vc-bitstring-status-list';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {
  cryptosuite as ecdsaRdfc2019Cryptosuite
} from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import {
  cryptosuite as eddsaRdfc2022Cryptosuite
} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

import {INTEROP_DIR, makeDocumentLoader} from './lib/loader.mjs';

export const SUITES = ['eddsa-rdfc-2022', 'ed25519-signature-2020', 'ecdsa-rdfc-2019'];
export const ED25519_2020_CONTEXT = 'https://w3id.org/security/suites/ed25519-2020/v1';
const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
const OB_V3P0_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';

class UsageError extends Error {}

// ---------------------------------------------------------------- helpers

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function writeJson(path, value) {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}

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

function hexToBytes(hex, expectedLength) {
  if(!/^([0-9a-fA-F]{2})+$/.test(hex)) {
    throw new UsageError('--seed must be hex');
  }
  const bytes = Uint8Array.from(Buffer.from(hex, 'hex'));
  if(expectedLength && bytes.length !== expectedLength) {
    throw new UsageError(
      `--seed must be ${expectedLength} bytes (${expectedLength * 2} hex digits)`);
  }
  return bytes;
}

/** A fixed 32-byte seed from a label: fixtures are deterministic. */
export function labelSeed(label, length = 32) {
  const digest = createHash('sha512').update(`lerkit-interop:${label}`).digest();
  return digest.subarray(0, length).toString('hex');
}

function clone(x) {
  return structuredClone(x);
}

/** Collect short error strings from a vc.js / jsigs result or error. */
function errorStrings(errorOrResult, prefix = '') {
  const out = [];
  const seen = new Set();
  const add = msg => {
    if(!msg) {
      return;
    }
    const line = prefix + String(msg).split('\n')[0].slice(0, 500);
    if(!seen.has(line)) {
      seen.add(line);
      out.push(line);
    }
  };
  const walkError = e => {
    if(!e) {
      return;
    }
    if(Array.isArray(e)) {
      e.forEach(walkError);
      return;
    }
    if(Array.isArray(e.errors) && e.errors.length > 0) {
      e.errors.forEach(walkError);
      return;
    }
    let msg = (e.message || String(e)).replace(/ Possible causes are .*? remote context\./, '');
    // jsonld.js wraps loader failures; keep the loader's reason
    const cause = e.details && e.details.cause;
    if(cause && cause.message && !msg.includes(cause.message)) {
      msg = `${msg} (cause: ${cause.message})`;
    }
    add(msg);
  };
  const r = errorOrResult;
  if(r instanceof Error) {
    walkError(r);
    return out;
  }
  if(!r) {
    return out;
  }
  walkError(r.error);
  for(const sub of r.results || []) {
    if(sub && sub.verified === false) {
      walkError(sub.error);
    }
  }
  if(r.statusResult && r.statusResult.verified === false) {
    walkError(r.statusResult.error);
  }
  return out;
}

/**
 * Map the JS libraries' error strings to lerkit's problem codes (best effort,
 * for comparing verdicts); `valid` when there is none, `js.other` when unknown.
 */
export function classify(errors) {
  if(!errors || errors.length === 0) {
    return 'valid';
  }
  const rules = [
    [/Could not load "BitstringStatusListCredential"/, 'status.unresolvable'],
    [/"BitstringStatusListCredential" not verified/, 'status.list_invalid'],
    [/Credential status: revocation bit/, 'status.revoked'],
    [/Credential status: suspension bit/, 'status.suspended'],
    [/The status purpose .* does not match/, 'status.purpose_mismatch'],
    [/Credential issuer must match the verification method controller/,
      'issuer.key_not_controlled'],
    [/is after "validUntil"|Credential has expired/, 'validity.expired'],
    [/is before "validFrom"|is before the "issuanceDate"/, 'validity.not_yet_valid'],
    [/challenge is not as expected/, 'proof.challenge_mismatch'],
    [/domain is not as expected/, 'proof.domain_mismatch'],
    [/not authorized by controller/, 'verification_method.not_authorized'],
    [/Dereferencing a URL did not result in a valid JSON-LD object/, 'context.unknown'],
    [/Invalid signature/, 'proof.invalid'],
    [/No matching proofs found/, 'proof.missing'],
    [/undefined term|Safe mode validation error/i, 'jsonld.undefined_term']
  ];
  for(const [re, code] of rules) {
    if(errors.some(e => re.test(e))) {
      return code;
    }
  }
  return 'js.other';
}

// ---------------------------------------------------------------- keys

/**
 * Generate a did:key key pair. Ed25519 from a 32-byte seed; P-256 / P-384
 * from a 32 / 48-byte secret scalar (deterministic too).
 */
export async function keygen({type, seed}) {
  let keyPair;
  if(type === 'ed25519') {
    const seedBytes = seed ? hexToBytes(seed, 32) : Uint8Array.from(randomBytes(32));
    keyPair = await Ed25519Multikey.generate({seed: seedBytes});
  } else if(type === 'p256' || type === 'p384') {
    const curve = type === 'p256' ? 'P-256' : 'P-384';
    const size = type === 'p256' ? 32 : 48;
    if(seed) {
      const d = Buffer.from(hexToBytes(seed, size));
      const ecdh = createECDH(type === 'p256' ? 'prime256v1' : 'secp384r1');
      ecdh.setPrivateKey(d);
      const pub = ecdh.getPublicKey(); // 0x04 || x || y
      const jwk = {
        kty: 'EC',
        crv: curve,
        x: pub.subarray(1, 1 + size).toString('base64url'),
        y: pub.subarray(1 + size).toString('base64url'),
        d: d.toString('base64url')
      };
      keyPair = await EcdsaMultikey.fromJwk({jwk, secretKey: true});
    } else {
      keyPair = await EcdsaMultikey.generate({curve});
    }
  } else {
    throw new UsageError('--type must be ed25519, p256 or p384');
  }
  const exported = await keyPair.export({
    publicKey: true, secretKey: true, includeContext: false,
    ...(type === 'ed25519' ? {canonicalize: true} : {})
  });
  const did = `did:key:${exported.publicKeyMultibase}`;
  return {
    type,
    publicKeyMultibase: exported.publicKeyMultibase,
    secretKeyMultibase: exported.secretKeyMultibase,
    did,
    verificationMethod: `${did}#${exported.publicKeyMultibase}`
  };
}

/** A key pair interface (with signer()) from a key file's JSON. */
export async function importKey(keyJson) {
  const multikey = {
    '@context': 'https://w3id.org/security/multikey/v1',
    type: 'Multikey',
    id: keyJson.verificationMethod,
    controller: keyJson.did,
    publicKeyMultibase: keyJson.publicKeyMultibase,
    secretKeyMultibase: keyJson.secretKeyMultibase
  };
  if(keyJson.type === 'ed25519') {
    return Ed25519Multikey.from(multikey);
  }
  if(keyJson.type === 'p256' || keyJson.type === 'p384') {
    return EcdsaMultikey.from(multikey);
  }
  throw new UsageError(`unknown key type ${JSON.stringify(keyJson.type)}`);
}

function loadKeyFile(path) {
  if(!path) {
    throw new UsageError('--key KEYFILE is required');
  }
  return readJson(path);
}

// ---------------------------------------------------------------- suites

/** A signing suite for `suiteName` with the key pair `keyPair`. */
export function signingSuite({suiteName, keyPair, created}) {
  const signer = keyPair.signer();
  const date = created || undefined;
  switch(suiteName) {
    case 'eddsa-rdfc-2022':
      return new DataIntegrityProof({signer, date, cryptosuite: eddsaRdfc2022Cryptosuite});
    case 'ecdsa-rdfc-2019':
      return new DataIntegrityProof({signer, date, cryptosuite: ecdsaRdfc2019Cryptosuite});
    case 'ed25519-signature-2020':
      return new Ed25519Signature2020({signer, date});
    default:
      throw new UsageError(`--suite must be one of ${SUITES.join(', ')}`);
  }
}

/** Suites accepted when verifying: all three proof types. */
export function verifyingSuites() {
  return [
    new DataIntegrityProof({cryptosuite: eddsaRdfc2022Cryptosuite}),
    new DataIntegrityProof({cryptosuite: ecdsaRdfc2019Cryptosuite}),
    new Ed25519Signature2020()
  ];
}

/**
 * checkStatus for BitstringStatusListEntry. The library's checkStatus only
 * reports whether the status could be checked ({verified: true, results:
 * [{status: true|false}]}); a set bit is reported here as not verified.
 */
export async function checkStatus(options) {
  const result = await bsl.checkStatus({
    ...options,
    verifyBitstringStatusListCredential: true,
    verifyMatchingIssuers: true
  });
  if(!result.verified) {
    return result;
  }
  const set = (result.results || []).filter(r => r.status === true);
  if(set.length > 0) {
    const what = set.map(r =>
      `${r.credentialStatus.statusPurpose} bit ${r.credentialStatus.statusListIndex} ` +
      `is set in ${r.credentialStatus.statusListCredential}`).join('; ');
    return {...result, verified: false, error: new Error(`Credential status: ${what}.`)};
  }
  return result;
}

function parseResources(resources = []) {
  const extra = new Map();
  for(const item of resources) {
    const eq = item.indexOf('=');
    if(eq <= 0) {
      throw new UsageError(`--resource must be URL=FILE, got ${JSON.stringify(item)}`);
    }
    extra.set(item.slice(0, eq), readJson(item.slice(eq + 1)));
  }
  return extra;
}

// ---------------------------------------------------------------- operations

export async function signCredential({credential, keyJson, suiteName, created, documentLoader}) {
  const keyPair = await importKey(keyJson);
  const suite = signingSuite({suiteName, keyPair, created});
  return vc.issue({credential: clone(credential), suite, documentLoader});
}

export async function verifyCredential({credential, documentLoader, now}) {
  try {
    const result = await vc.verifyCredential({
      credential,
      suite: verifyingSuites(),
      documentLoader,
      checkStatus,
      ...(now ? {now} : {})
    });
    const errors = result.verified ? [] : errorStrings(result);
    return {verified: result.verified === true, errors, problem: classify(errors)};
  } catch(e) {
    const errors = errorStrings(e);
    return {verified: false, errors, problem: classify(errors)};
  }
}

export async function signPresentation({
  input, keyJson, suiteName, challenge, domain, created, now, documentLoader
}) {
  let presentation;
  if(input['@context'] || (input.type && [].concat(input.type).includes('VerifiablePresentation'))) {
    presentation = clone(input);
  } else {
    presentation = vc.createPresentation({
      verifiableCredential: clone(input.verifiableCredential),
      holder: input.holder,
      id: input.id,
      ...(now ? {now} : {})
    });
  }
  const keyPair = await importKey(keyJson);
  const suite = signingSuite({suiteName, keyPair, created});
  return vc.signPresentation({presentation, suite, challenge, domain, documentLoader});
}

export async function verifyPresentation({presentation, challenge, domain, documentLoader, now}) {
  try {
    const result = await vc.verify({
      presentation,
      suite: verifyingSuites(),
      documentLoader,
      checkStatus,
      challenge,
      domain,
      ...(now ? {now} : {})
    });
    if(result.verified) {
      return {verified: true, errors: [], problem: 'valid'};
    }
    const errors = [];
    if(result.presentationResult && !result.presentationResult.verified) {
      errors.push(...errorStrings(result.presentationResult, 'presentation: '));
    } else if(!result.presentationResult) {
      errors.push(...errorStrings(result, 'presentation: '));
    }
    (result.credentialResults || []).forEach((r, i) => {
      if(!r.verified) {
        errors.push(...errorStrings(r, `verifiableCredential[${i}]: `));
      }
    });
    return {verified: false, errors, problem: classify(errors)};
  } catch(e) {
    const errors = errorStrings(e, 'presentation: ');
    return {verified: false, errors, problem: classify(errors)};
  }
}

export async function makeStatusList({
  size, set, url, keyJson, purpose = 'revocation', created, validFrom, documentLoader
}) {
  if(!(Number.isInteger(size) && size > 0 && size % 8 === 0)) {
    throw new UsageError('--size must be a positive multiple of 8');
  }
  const list = await bsl.createList({length: size});
  for(const index of set) {
    if(!(Number.isInteger(index) && index >= 0 && index < size)) {
      throw new UsageError(`status index ${index} is outside the list (size ${size})`);
    }
    list.setStatus(index, true);
  }
  const credential = await bsl.createCredential({id: url, list, statusPurpose: purpose});
  credential.issuer = keyJson.did;
  if(validFrom) {
    credential.validFrom = validFrom;
  }
  return signCredential({
    credential, keyJson, suiteName: 'eddsa-rdfc-2022', created, documentLoader
  });
}

/** Verify many credentials / presentations in one process (see the header). */
export async function verifyBatch({items}) {
  if(!Array.isArray(items)) {
    throw new UsageError('verify-batch expects {"items": [...]} on stdin');
  }
  const results = [];
  for(const [i, item] of items.entries()) {
    const {kind, document, resources = {}, challenge, domain, now} = item || {};
    checkDate(now, `items[${i}].now`);
    const documentLoader = makeDocumentLoader({extra: new Map(Object.entries(resources))});
    if(kind === 'credential') {
      results.push(await verifyCredential({credential: document, documentLoader, now}));
    } else if(kind === 'presentation') {
      if(!challenge) {
        throw new UsageError(`items[${i}]: a presentation needs a challenge`);
      }
      results.push(await verifyPresentation({
        presentation: document, challenge, domain, documentLoader, now
      }));
    } else {
      throw new UsageError(`items[${i}].kind must be credential or presentation`);
    }
  }
  return {results};
}

// ---------------------------------------------------------------- fixtures

const FIXED_CREATED = '2024-01-01T00:00:00Z';
const STATUS_LIST_URL = 'https://example.org/status/1';
const CUSTOM_CONTEXT_URL = 'https://example.org/contexts/custom/v1';
const CUSTOM_CONTEXT = {
  '@context': {
    '@version': 1.1,
    '@protected': true,
    customField: 'https://example.org/vocab#customField'
  }
};

export function openBadge({issuerDid, id = 'urn:uuid:5a2e4d3e-6a3b-4c1f-9f3e-000000000001'}) {
  return {
    '@context': [VC_V2_CONTEXT, OB_V3P0_CONTEXT],
    id,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: 'Lerkit Interop Badge',
    issuer: {
      id: issuerDid,
      type: ['Profile'],
      name: 'Lerkit Interop Issuer'
    },
    validFrom: '2024-01-01T00:00:00Z',
    credentialSubject: {
      id: 'did:example:learner-1',
      type: ['AchievementSubject'],
      achievement: {
        id: 'https://example.org/achievements/interop',
        type: ['Achievement'],
        name: 'Interop Achievement',
        description: 'Awarded for exchanging credentials between implementations.',
        criteria: {narrative: 'Verify a credential signed by another library.'}
      }
    }
  };
}

export async function makeFixtures({out}) {
  mkdirSync(join(out, 'keys'), {recursive: true});
  const keys = {
    issuer: await keygen({type: 'ed25519', seed: labelSeed('issuer-ed25519')}),
    other: await keygen({type: 'ed25519', seed: labelSeed('other-ed25519')}),
    issuerP256: await keygen({type: 'p256', seed: labelSeed('issuer-p256')}),
    holder: await keygen({type: 'ed25519', seed: labelSeed('holder-ed25519')})
  };
  const keyFiles = {
    issuer: 'keys/issuer-ed25519.json',
    other: 'keys/other-ed25519.json',
    issuerP256: 'keys/issuer-p256.json',
    holder: 'keys/holder-ed25519.json'
  };
  for(const [name, file] of Object.entries(keyFiles)) {
    writeJson(join(out, file), keys[name]);
  }

  const documentLoader = makeDocumentLoader();
  const sign = (credential, keyJson, suiteName = 'eddsa-rdfc-2022', loader = documentLoader) =>
    signCredential({credential, keyJson, suiteName, created: FIXED_CREATED, documentLoader: loader});
  const idFor = n => `urn:uuid:5a2e4d3e-6a3b-4c1f-9f3e-${String(n).padStart(12, '0')}`;
  const files = {};

  // valid: OB 3.0, eddsa-rdfc-2022
  files['valid.json'] = await sign(openBadge({issuerDid: keys.issuer.did, id: idFor(1)}), keys.issuer);

  // valid-2020: Ed25519Signature2020 needs its context in the credential
  {
    const c = openBadge({issuerDid: keys.issuer.did, id: idFor(2)});
    c['@context'].push(ED25519_2020_CONTEXT);
    files['valid-2020.json'] = await sign(c, keys.issuer, 'ed25519-signature-2020');
  }

  // valid-ecdsa-p256 (ECDSA signatures are randomised: bytes differ per run)
  files['valid-ecdsa-p256.json'] = await sign(
    openBadge({issuerDid: keys.issuerP256.did, id: idFor(3)}), keys.issuerP256, 'ecdsa-rdfc-2019');

  // tampered: a credentialSubject value changed after signing
  {
    const signed = await sign(openBadge({issuerDid: keys.issuer.did, id: idFor(4)}), keys.issuer);
    signed.credentialSubject.achievement.name = 'Tampered Achievement';
    files['tampered.json'] = signed;
  }

  // wrong-key: issuer is one did:key, the proof is made with another key
  files['wrong-key.json'] = await sign(
    openBadge({issuerDid: keys.issuer.did, id: idFor(5)}), keys.other);

  // expired / not yet valid
  {
    const c = openBadge({issuerDid: keys.issuer.did, id: idFor(6)});
    c.validFrom = '2019-01-01T00:00:00Z';
    c.validUntil = '2020-01-01T00:00:00Z';
    files['expired.json'] = await sign(c, keys.issuer);
  }
  {
    const c = openBadge({issuerDid: keys.issuer.did, id: idFor(7)});
    c.validFrom = '2099-01-01T00:00:00Z';
    files['not-yet-valid.json'] = await sign(c, keys.issuer);
  }

  // unknown-context: a context only the JS side knows (while signing)
  {
    const c = openBadge({issuerDid: keys.issuer.did, id: idFor(8)});
    c['@context'].push(CUSTOM_CONTEXT_URL);
    c.customField = 'only the signer knows this context';
    const loader = makeDocumentLoader({extra: {[CUSTOM_CONTEXT_URL]: CUSTOM_CONTEXT}});
    files['unknown-context.json'] = await sign(c, keys.issuer, 'eddsa-rdfc-2022', loader);
  }

  // status: list with bit 23 set; revoked (23) and not-revoked (24)
  files['status-list.json'] = await makeStatusList({
    size: 131072, set: [23], url: STATUS_LIST_URL, keyJson: keys.issuer,
    purpose: 'revocation', created: FIXED_CREATED, validFrom: '2024-01-01T00:00:00Z',
    documentLoader
  });
  for(const [file, index, n] of [['revoked.json', 23, 9], ['not-revoked.json', 24, 10]]) {
    const c = openBadge({issuerDid: keys.issuer.did, id: idFor(n)});
    c.credentialStatus = {
      id: `${STATUS_LIST_URL}#${index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(index),
      statusListCredential: STATUS_LIST_URL
    };
    files[file] = await sign(c, keys.issuer);
  }

  // vp: the holder presents valid.json
  files['vp.json'] = await signPresentation({
    input: {verifiableCredential: [files['valid.json']], holder: keys.holder.did},
    keyJson: keys.holder, suiteName: 'eddsa-rdfc-2022', challenge: 'c-123',
    domain: 'example.org', created: FIXED_CREATED, documentLoader
  });

  // vp-wrong-holder: holder is one did:key, the proof is made with another key
  files['vp-wrong-holder.json'] = await signPresentation({
    input: {verifiableCredential: [files['valid.json']], holder: keys.holder.did},
    keyJson: keys.other, suiteName: 'eddsa-rdfc-2022', challenge: 'c-123',
    domain: 'example.org', created: FIXED_CREATED, documentLoader
  });

  for(const [file, doc] of Object.entries(files)) {
    writeJson(join(out, file), doc);
  }

  const status = {[STATUS_LIST_URL]: 'status-list.json'};
  const cases = [
    {name: 'valid', file: 'valid.json', kind: 'credential', suite: 'eddsa-rdfc-2022',
      verified: true, problem: 'valid'},
    {name: 'valid-2020', file: 'valid-2020.json', kind: 'credential',
      suite: 'ed25519-signature-2020', verified: true, problem: 'valid'},
    {name: 'valid-ecdsa-p256', file: 'valid-ecdsa-p256.json', kind: 'credential',
      suite: 'ecdsa-rdfc-2019', verified: true, problem: 'valid'},
    {name: 'tampered', file: 'tampered.json', kind: 'credential', suite: 'eddsa-rdfc-2022',
      verified: false, problem: 'proof.invalid'},
    {name: 'wrong-key', file: 'wrong-key.json', kind: 'credential', suite: 'eddsa-rdfc-2022',
      verified: false, problem: 'issuer.key_not_controlled'},
    {name: 'expired', file: 'expired.json', kind: 'credential', suite: 'eddsa-rdfc-2022',
      verified: false, problem: 'validity.expired'},
    {name: 'not-yet-valid', file: 'not-yet-valid.json', kind: 'credential',
      suite: 'eddsa-rdfc-2022', verified: false, problem: 'validity.not_yet_valid'},
    {name: 'unknown-context', file: 'unknown-context.json', kind: 'credential',
      suite: 'eddsa-rdfc-2022', verified: false, problem: 'context.unknown',
      note: `${CUSTOM_CONTEXT_URL} is known only to the signer; verifiers must refuse it`},
    {name: 'revoked', file: 'revoked.json', kind: 'credential', suite: 'eddsa-rdfc-2022',
      resources: status, verified: false, problem: 'status.revoked'},
    {name: 'not-revoked', file: 'not-revoked.json', kind: 'credential',
      suite: 'eddsa-rdfc-2022', resources: status, verified: true, problem: 'valid'},
    {name: 'status-list', file: 'status-list.json', kind: 'credential',
      suite: 'eddsa-rdfc-2022', verified: true, problem: 'valid'},
    {name: 'vp', file: 'vp.json', kind: 'presentation', suite: 'eddsa-rdfc-2022',
      challenge: 'c-123', domain: 'example.org', verified: true, problem: 'valid'},
    {name: 'vp-wrong-challenge', file: 'vp.json', kind: 'presentation',
      suite: 'eddsa-rdfc-2022', challenge: 'c-999', domain: 'example.org',
      verified: false, problem: 'proof.challenge_mismatch'},
    {name: 'vp-wrong-domain', file: 'vp.json', kind: 'presentation',
      suite: 'eddsa-rdfc-2022', challenge: 'c-123', domain: 'other.example',
      verified: false, problem: 'proof.domain_mismatch'},
    {name: 'vp-wrong-holder', file: 'vp-wrong-holder.json', kind: 'presentation',
      suite: 'eddsa-rdfc-2022', challenge: 'c-123', domain: 'example.org',
      verified: false, problem: 'holder.key_not_controlled',
      js: {verified: true, problem: 'valid'},
      note: 'Digital Bazaar\'s vc.verify does not check that the holder controls ' +
        'the presentation proof\'s verification method; lerkit does'}
  ];
  const manifest = {
    description: 'Credentials signed by Digital Bazaar\'s JS libraries ' +
      '(tests/interop/dbvc.mjs make-fixtures) with their expected verdicts.',
    created: FIXED_CREATED,
    libraries: libraryVersions(),
    keys: keyFiles,
    dids: Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, v.did])),
    statusList: {url: STATUS_LIST_URL, file: 'status-list.json', set: [23]},
    customContext: {url: CUSTOM_CONTEXT_URL, document: CUSTOM_CONTEXT},
    // `verified`/`problem` are the expected verdicts (lerkit's); where the JS
    // libraries' verdict differs, the case says so in `js`.
    cases
  };
  writeJson(join(out, 'manifest.json'), manifest);
  return {out, files: Object.keys(files).sort(), cases: cases.length};
}

export function libraryVersions() {
  const pkg = readJson(join(INTEROP_DIR, 'package.json'));
  return {node: process.version, ...pkg.dependencies};
}

// ---------------------------------------------------------------- bench

export async function bench({suiteName, n, warmup, credential, keyJson}) {
  if(!['eddsa-rdfc-2022', 'ed25519-signature-2020', 'ecdsa-rdfc-2019'].includes(suiteName)) {
    throw new UsageError(`--suite must be one of ${SUITES.join(', ')}`);
  }
  if(!(Number.isInteger(n) && n > 0)) {
    throw new UsageError('--n must be a positive integer');
  }
  const documentLoader = makeDocumentLoader();
  const keyPair = await importKey(keyJson);
  let unsigned = clone(credential);
  if(suiteName === 'ed25519-signature-2020') {
    const ctx = [].concat(unsigned['@context']);
    if(!ctx.includes(ED25519_2020_CONTEXT)) {
      unsigned['@context'] = [...ctx, ED25519_2020_CONTEXT];
    }
  }
  const suite = signingSuite({suiteName, keyPair, created: FIXED_CREATED});
  const verifySuites = verifyingSuites();
  const signOnce = () => vc.issue({credential: clone(unsigned), suite, documentLoader});
  const verifyOnce = async signed => {
    const r = await vc.verifyCredential({credential: signed, suite: verifySuites, documentLoader});
    if(!r.verified) {
      throw new Error(`bench: verification failed: ${errorStrings(r).join('; ')}`);
    }
  };
  // warm-up: contexts parsed and cached, JIT warmed
  let signed;
  for(let i = 0; i < warmup; ++i) {
    signed = await signOnce();
    await verifyOnce(signed);
  }
  let t0 = performance.now();
  for(let i = 0; i < n; ++i) {
    signed = await signOnce();
  }
  const signSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  for(let i = 0; i < n; ++i) {
    await verifyOnce(signed);
  }
  const verifySeconds = (performance.now() - t0) / 1000;
  return {
    suite: suiteName,
    n,
    warmup,
    sign_per_s: n / signSeconds,
    verify_per_s: n / verifySeconds,
    sign_seconds: signSeconds,
    verify_seconds: verifySeconds,
    node: process.version,
    vc: libraryVersions()['@digitalbazaar/vc']
  };
}

// ---------------------------------------------------------------- CLI

const OPTIONS = {
  type: {type: 'string'},
  seed: {type: 'string'},
  key: {type: 'string'},
  suite: {type: 'string'},
  created: {type: 'string'},
  resource: {type: 'string', multiple: true},
  now: {type: 'string'},
  challenge: {type: 'string'},
  domain: {type: 'string'},
  size: {type: 'string'},
  set: {type: 'string'},
  url: {type: 'string'},
  'issuer-key': {type: 'string'},
  purpose: {type: 'string'},
  'valid-from': {type: 'string'},
  out: {type: 'string'},
  n: {type: 'string'},
  warmup: {type: 'string'}
};

function need(values, name) {
  if(values[name] === undefined || values[name] === '') {
    throw new UsageError(`--${name} is required`);
  }
  return values[name];
}

function checkDate(value, name) {
  if(value !== undefined && isNaN(new Date(value))) {
    throw new UsageError(`--${name} must be an ISO date-time`);
  }
  return value;
}

export async function main(argv) {
  const [command, ...rest] = argv;
  const {values} = parseArgs({args: rest, options: OPTIONS, strict: true, allowPositionals: false});
  const created = checkDate(values.created, 'created');
  const now = checkDate(values.now, 'now');
  switch(command) {
    case 'keygen':
      return keygen({type: need(values, 'type'), seed: values.seed});
    case 'sign-vc': {
      const keyJson = loadKeyFile(values.key);
      const credential = await readStdinJson();
      return signCredential({
        credential, keyJson, suiteName: need(values, 'suite'), created,
        documentLoader: makeDocumentLoader({extra: parseResources(values.resource)})
      });
    }
    case 'verify-vc': {
      const credential = await readStdinJson();
      return verifyCredential({
        credential, now,
        documentLoader: makeDocumentLoader({extra: parseResources(values.resource)})
      });
    }
    case 'sign-vp': {
      const keyJson = loadKeyFile(values.key);
      const input = await readStdinJson();
      return signPresentation({
        input, keyJson, suiteName: need(values, 'suite'),
        challenge: need(values, 'challenge'), domain: values.domain, created, now,
        documentLoader: makeDocumentLoader({extra: parseResources(values.resource)})
      });
    }
    case 'verify-vp': {
      const presentation = await readStdinJson();
      return verifyPresentation({
        presentation, challenge: need(values, 'challenge'), domain: values.domain, now,
        documentLoader: makeDocumentLoader({extra: parseResources(values.resource)})
      });
    }
    case 'status-list': {
      const set = (values.set || '').split(',').filter(s => s.trim() !== '').map(s => {
        if(!/^\d+$/.test(s.trim())) {
          throw new UsageError('--set must be comma-separated non-negative integers');
        }
        return Number(s.trim());
      });
      return makeStatusList({
        size: Number(need(values, 'size')), set, url: need(values, 'url'),
        keyJson: loadKeyFile(need(values, 'issuer-key')),
        purpose: values.purpose || 'revocation', created,
        validFrom: checkDate(values['valid-from'], 'valid-from'),
        documentLoader: makeDocumentLoader()
      });
    }
    case 'verify-batch':
      return verifyBatch(await readStdinJson());
    case 'make-fixtures':
      return makeFixtures({out: need(values, 'out')});
    case 'bench': {
      const input = await readStdinJson();
      let credential = input;
      let keyRef = values.key;
      if(input && input.credential && !input['@context']) {
        credential = input.credential;
        keyRef = keyRef || input.key;
      }
      if(!keyRef) {
        throw new UsageError('bench needs a key: --key KEYFILE or "key" on stdin');
      }
      const keyJson = typeof keyRef === 'string' ? readJson(keyRef) : keyRef;
      const n = Number(need(values, 'n'));
      const warmup = values.warmup !== undefined ? Number(values.warmup) : Math.min(50, n);
      return bench({suiteName: need(values, 'suite'), n, warmup, credential, keyJson});
    }
    default:
      throw new UsageError(
        'usage: dbvc.mjs keygen|sign-vc|verify-vc|sign-vp|verify-vp|verify-batch|' +
        'status-list|make-fixtures|bench [options] (see the header of dbvc.mjs)');
  }
}

const isMain = process.argv[1] &&
  import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if(isMain) {
  main(process.argv.slice(2)).then(result => {
    process.stdout.write(JSON.stringify(result) + '\n');
  }).catch(e => {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
    const message = (e instanceof Error ? errorStrings(e).join('; ') : '') || String(e);
    process.stdout.write(JSON.stringify({error: message.split('\n')[0]}) + '\n');
    process.exitCode = e instanceof UsageError ? 2 : 1;
  });
}
