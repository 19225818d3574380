#!/usr/bin/env node
/*
 * jose_check: compact JWS with an independent JOSE implementation, the `jose` npm package
 * (5.9.6, pinned in package.json). JSON in on stdin, JSON out on stdout. On failure: exit
 * code 1 and one line `{"error": "..."}`. A signature that does not verify is not a failure:
 * `verify` prints {"verified": false, "error": "..."} and exits 0.
 *
 *   verify < {"jws", "jwk" (the issuer's public JWK)}
 *       -> {"verified": true, "header", "payload"} | {"verified": false, "error"}
 *   sign   < {"payload", "jwk" (private JWK), "kid", "typ"?, "cty"?}
 *       -> {"jws"}   (alg from the key: EdDSA, ES256 or ES384)
 */
import * as jose from 'jose'

const ALGS = { Ed25519: 'EdDSA', 'P-256': 'ES256', 'P-384': 'ES384' }

async function readStdinJson() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

function algOf(jwk) {
  const alg = ALGS[jwk.crv]
  if (!alg) throw new Error(`unsupported key: ${jwk.kty} ${jwk.crv}`)
  return alg
}

async function verify({ jws, jwk }) {
  const key = await jose.importJWK(jwk, algOf(jwk))
  try {
    const { payload, protectedHeader } = await jose.compactVerify(jws, key, {
      algorithms: [algOf(jwk)],
    })
    return {
      verified: true,
      header: protectedHeader,
      payload: JSON.parse(new TextDecoder().decode(payload)),
    }
  } catch (error) {
    return { verified: false, error: `${error.code ?? error.name}: ${error.message}` }
  }
}

async function sign({ payload, jwk, kid, typ, cty }) {
  const alg = algOf(jwk)
  const key = await jose.importJWK(jwk, alg)
  const header = { alg, kid }
  if (typ) header.typ = typ
  if (cty) header.cty = cty
  const jws = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header)
    .sign(key)
  return { jws }
}

const [command] = process.argv.slice(2)
try {
  const input = await readStdinJson()
  const handlers = { verify, sign }
  if (!handlers[command]) throw new Error(`usage: jose_check.mjs verify|sign < JSON`)
  process.stdout.write(JSON.stringify(await handlers[command](input)) + '\n')
} catch (error) {
  process.stdout.write(JSON.stringify({ error: String(error?.message ?? error) }) + '\n')
  process.exit(1)
}
