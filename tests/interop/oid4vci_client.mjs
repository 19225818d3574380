// A wallet on Sphereon's OpenID4VCI client (@sphereon/oid4vci-client 0.20.1, OpenID4VCI 1.0):
//   node oid4vci_client.mjs <openid-credential-offer://...> [tx_code]
// runs the pre-authorized code flow and asks for every configuration in the offer (one
// request each: ldp_vc, jwt_vc_json, dc+sd-jwt), with JWT proofs made by a fresh Ed25519 key
// (did:jwk, signed with `jose`).
// Prints {"holder": did, "credentials": {configuration id: [credential, ...]}} as JSON.
//
// Client quirks worked around here (lerkit follows the spec):
// 1. The client finds metadata at `${credential_issuer}/.well-known/...` (appended), while
//    OpenID4VCI 1.0 §12.2.2 / RFC 8414 §3 insert the well-known segment between host and path
//    (lerkit's issuers have a path: /orgs/{slug}). So this script resolves the offer and the
//    metadata itself, at the spec's locations, and hands both to the client (by value).
//    `OpenID4VCIClientV1_0_15` is the class whose acquireCredentials takes a
//    credential_configuration_id and uses the nonce endpoint (the `OpenID4VCIClient` facade
//    of 0.20.1 passes only credential types); its fromURI takes no endpoint metadata, so the
//    metadata is set on its state.
// 2. The offer by reference is served once, so it is resolved here and not again by the client.
import { OpenID4VCIClientV1_0_15 as OpenID4VCIClient } from '@sphereon/oid4vci-client'
import * as jose from 'jose'

const [offerUri, txCode] = process.argv.slice(2)

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } })
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`)
  return response.json()
}

function wellKnown(id, name) {
  const url = new URL(id)
  const path = url.pathname === '/' ? '' : url.pathname
  return `${url.origin}/.well-known/${name}${path}`
}

const params = new URL(offerUri.replace('openid-credential-offer://', 'https://wallet.invalid/')).searchParams
const offer = params.has('credential_offer_uri')
  ? await getJson(params.get('credential_offer_uri'))
  : JSON.parse(params.get('credential_offer'))
const issuer = offer.credential_issuer
const credentialIssuerMetadata = await getJson(wellKnown(issuer, 'openid-credential-issuer'))
const authorizationServerMetadata = await getJson(wellKnown(issuer, 'oauth-authorization-server'))
const endpointMetadata = {
  issuer,
  token_endpoint: authorizationServerMetadata.token_endpoint,
  credential_endpoint: credentialIssuerMetadata.credential_endpoint,
  nonce_endpoint: credentialIssuerMetadata.nonce_endpoint,
  authorization_servers: [issuer],
  authorizationServerType: 'OAuth 2.0',
  credentialIssuerMetadata,
  authorizationServerMetadata,
}

const { publicKey, privateKey } = await jose.generateKeyPair('EdDSA', { crv: 'Ed25519' })
const publicJwk = await jose.exportJWK(publicKey)
const holder = 'did:jwk:' + Buffer.from(JSON.stringify(publicJwk)).toString('base64url')
const kid = `${holder}#0`

const signCallback = async (jwt) => {
  const header = { ...jwt.header, alg: 'EdDSA', typ: 'openid4vci-proof+jwt', kid }
  delete header.jwk
  return new jose.SignJWT(jwt.payload).setProtectedHeader(header).sign(privateKey)
}

const byValue = 'openid-credential-offer://?credential_offer=' + encodeURIComponent(JSON.stringify(offer))
const client = await OpenID4VCIClient.fromURI({
  uri: byValue,
  kid,
  alg: 'EdDSA',
  retrieveServerMetadata: false,
})
client._state.endpointMetadata = endpointMetadata // fromURI of the 1.0 client takes none
await client.acquireAccessToken(txCode ? { pin: txCode } : {})

const credentials = {}
for (const id of offer.credential_configuration_ids) {
  const format = credentialIssuerMetadata.credential_configurations_supported[id].format
  client._state.cachedCNonce = undefined // one c_nonce per request: fetch a fresh one
  const response = await client.acquireCredentials({
    credentialConfigurationId: id,
    credentialTypes: ['VerifiableCredential', 'OpenBadgeCredential'],
    format,
    kid,
    alg: 'EdDSA',
    proofCallbacks: { signCallback },
  })
  credentials[id] = (response.credentials ?? [{ credential: response.credential }]).map((c) => c.credential)
}
process.stdout.write(JSON.stringify({ holder, credentials }) + '\n')
