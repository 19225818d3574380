#!/usr/bin/env node
/*
 * sdjwt: the independent JavaScript side of lerkit's SD-JWT VC interop tests, built on
 * the OpenWallet Foundation's sd-jwt-js (@sd-jwt/sd-jwt-vc, @sd-jwt/crypto-nodejs for
 * hashing and salts) with signatures by Node's own crypto (JWK keys). JSON in on stdin,
 * JSON out on stdout. On failure: exit code 1 (2 for a usage error) and one line
 * `{"error": "..."}`. A verification that fails is not a failure: `verify` prints
 * {"verified": false, "error": "..."} and exits 0.
 *
 *   verify  < {"presentation", "issuer_jwk", "now"?: seconds, "nonce"?, "aud"?}
 *       -> {"verified": true, "payload", "header", "kb"} | {"verified": false, "error"}
 *       Issuer signature by issuer_jwk, typ dc+sd-jwt, digests; with a nonce the KB-JWT
 *       is required and checked (signature by cnf.jwk, nonce, sd_hash), and aud if given.
 *   issue   < {"claims", "frame" (sd-jwt-js disclosure frame), "issuer_jwk" (private),
 *              "kid"?, "holder_jwk"?}        claims carry iss, vct, iat, ...
 *       -> {"credential"}
 *   present < {"credential", "frame" (presentation frame, e.g. {"given_name": true}),
 *              "holder_jwk"? (private), "aud"?, "nonce"?, "iat"?}
 *       -> {"presentation"}
 */
import {createPrivateKey, createPublicKey, sign, verify} from 'node:crypto';
import {realpathSync} from 'node:fs';
import {pathToFileURL} from 'node:url';

import {SDJwtVcInstance} from '@sd-jwt/sd-jwt-vc';
import {digest, generateSalt} from '@sd-jwt/crypto-nodejs';

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

/** The JWS alg and Node's hash name for a JWK (Ed25519 or P-256 only). */
function algOf(jwk) {
  if(jwk && jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    return {alg: 'EdDSA', hash: null};
  }
  if(jwk && jwk.kty === 'EC' && jwk.crv === 'P-256') {
    return {alg: 'ES256', hash: 'sha256'};
  }
  throw new UsageError(`unsupported JWK ${JSON.stringify(jwk && [jwk.kty, jwk.crv])}`);
}

function publicOnly(jwk) {
  const {d, ...rest} = jwk;
  return rest;
}

function signerFor(privateJwk) {
  const key = createPrivateKey({key: privateJwk, format: 'jwk'});
  const {hash} = algOf(privateJwk);
  return data => sign(hash, Buffer.from(data), {key, dsaEncoding: 'ieee-p1363'})
    .toString('base64url');
}

function verifyWith(publicJwk, data, signature) {
  const key = createPublicKey({key: publicOnly(publicJwk), format: 'jwk'});
  const {hash} = algOf(publicJwk);
  return verify(hash, Buffer.from(data), {key, dsaEncoding: 'ieee-p1363'},
    Buffer.from(signature, 'base64url'));
}

async function verifyPresentation({presentation, issuer_jwk, now, nonce, aud}) {
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    verifier: (data, signature) => verifyWith(issuer_jwk, data, signature),
    kbVerifier: (data, signature, payload) => {
      const jwk = payload && payload.cnf && payload.cnf.jwk;
      if(!jwk) {
        throw new Error('the credential has no cnf.jwk');
      }
      return verifyWith(jwk, data, signature);
    }
  });
  try {
    const options = {};
    if(now !== undefined) {
      options.currentDate = now;
    }
    if(nonce !== undefined) {
      options.keyBindingNonce = nonce;
    }
    const result = await sdjwt.verify(presentation, options);
    if(!result.header || result.header.typ !== 'dc+sd-jwt') {
      throw new Error(`typ is ${result.header && result.header.typ}, not dc+sd-jwt`);
    }
    if(aud !== undefined && (!result.kb || result.kb.payload.aud !== aud)) {
      throw new Error(`KB-JWT aud is ${result.kb && result.kb.payload.aud}, not ${aud}`);
    }
    const claims = await sdjwt.getClaims(presentation);
    return {verified: true, payload: claims, header: result.header, kb: result.kb || null};
  } catch(e) {
    return {verified: false, error: String(e && e.message || e).split('\n')[0]};
  }
}

async function issue({claims, frame, issuer_jwk, kid, holder_jwk}) {
  const {alg} = algOf(issuer_jwk);
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    hashAlg: 'sha-256',
    saltGenerator: generateSalt,
    signer: signerFor(issuer_jwk),
    signAlg: alg
  });
  const payload = {...claims};
  if(holder_jwk) {
    payload.cnf = {jwk: publicOnly(holder_jwk)};
  }
  const header = kid ? {kid} : {};
  return {credential: await sdjwt.issue(payload, frame || {}, {header})};
}

async function present({credential, frame, holder_jwk, aud, nonce, iat}) {
  const config = {hasher: digest};
  if(holder_jwk) {
    config.kbSigner = signerFor(holder_jwk);
    config.kbSignAlg = algOf(holder_jwk).alg;
  }
  const sdjwt = new SDJwtVcInstance(config);
  const options = holder_jwk ?
    {kb: {payload: {aud, nonce, iat: iat ?? Math.floor(Date.now() / 1000)}}} : undefined;
  return {presentation: await sdjwt.present(credential, frame || {}, options)};
}

export async function main(args) {
  const [command] = args;
  const input = await readStdinJson();
  switch(command) {
    case 'verify':
      return verifyPresentation(input);
    case 'issue':
      return issue(input);
    case 'present':
      return present(input);
    default:
      throw new UsageError('usage: sdjwt.mjs verify|issue|present < JSON (see the header)');
  }
}

const isMain = process.argv[1] &&
  import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if(isMain) {
  main(process.argv.slice(2)).then(result => {
    process.stdout.write(JSON.stringify(result) + '\n');
  }).catch(e => {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
    process.stdout.write(JSON.stringify({error: String(e && e.message || e)}) + '\n');
    process.exitCode = e instanceof UsageError ? 2 : 1;
  });
}
