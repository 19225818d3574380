#!/usr/bin/env node
/*
 * A scripted VC-API wallet (what the DCC Learner Credential Wallet does), built on Digital
 * Bazaar's libraries: given an interaction URL (`...?iuv=1`), it
 *   1. GETs it with `Accept: application/json` and takes `protocols.vcapi`;
 *   2. POSTs `{}` there and reads the Verifiable Presentation Request (DIDAuthentication);
 *   3. checks the request's domain against the host it talks to, makes a did:key, and
 *      signs a DIDAuth presentation (`authentication`, the request's challenge and domain)
 *      with @digitalbazaar/vc `signPresentation`;
 *   4. POSTs `{verifiablePresentation}` to the request's service endpoint.
 *
 *   node didauth_wallet.mjs INTERACTION_URL [--suite eddsa-rdfc-2022|ed25519-signature-2020]
 *                                           [--wrong-challenge]
 *
 * Prints one JSON line: {holder, protocols, request, presentation, status, response,
 * credential} (credential: the first one received, or null when refused). Exit 1 on a
 * protocol failure before the presentation is sent.
 */
import {parseArgs} from 'node:util';

import {keygen, signPresentation} from './dbvc.mjs';
import {makeDocumentLoader} from './lib/loader.mjs';

async function postJson(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {'Content-Type': 'application/json', Accept: 'application/json'},
    body: JSON.stringify(body)
  });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = {text};
  }
  return {status: response.status, json};
}

async function main() {
  const {values, positionals} = parseArgs({
    allowPositionals: true,
    options: {
      suite: {type: 'string', default: 'eddsa-rdfc-2022'},
      'wrong-challenge': {type: 'boolean', default: false}
    }
  });
  const [interactionUrl] = positionals;
  if(!interactionUrl) {
    throw new Error('usage: didauth_wallet.mjs INTERACTION_URL [--suite S] [--wrong-challenge]');
  }
  const answer = await fetch(interactionUrl, {headers: {Accept: 'application/json'}});
  if(!answer.ok) {
    throw new Error(`GET ${interactionUrl} returned ${answer.status}`);
  }
  const {protocols} = await answer.json();
  const exchangeUrl = protocols && protocols.vcapi;
  if(typeof exchangeUrl !== 'string') {
    throw new Error('the interaction URL offers no vcapi protocol');
  }
  const started = await postJson(exchangeUrl, {});
  const request = started.json && started.json.verifiablePresentationRequest;
  if(started.status !== 200 || !request) {
    throw new Error(`POST {} returned ${started.status}: ${JSON.stringify(started.json)}`);
  }
  const query = [].concat(request.query || []);
  if(!query.some(q => q.type === 'DIDAuthentication')) {
    throw new Error('the request asks for no DIDAuthentication');
  }
  // the holder MUST check the domain against the channel it talks on
  if(request.domain !== new URL(exchangeUrl).host) {
    throw new Error(`domain ${request.domain} is not ${new URL(exchangeUrl).host}`);
  }
  const key = await keygen({type: 'ed25519'});
  const challenge = values['wrong-challenge'] ? `${request.challenge}-wrong` : request.challenge;
  const presentation = await signPresentation({
    input: {holder: key.did},
    keyJson: key,
    suiteName: values.suite,
    challenge,
    domain: request.domain,
    documentLoader: makeDocumentLoader()
  });
  const services = (request.interact && [].concat(request.interact.service || [])) || [];
  const service = services.find(s => s.type === 'UnmediatedHttpPresentationService2021');
  const endpoint = (service && service.serviceEndpoint) || exchangeUrl;
  const sent = await postJson(endpoint, {verifiablePresentation: presentation});
  const received = sent.json && sent.json.verifiablePresentation;
  const credentials = received ? [].concat(received.verifiableCredential || []) : [];
  process.stdout.write(JSON.stringify({
    holder: key.did,
    protocols,
    request,
    presentation,
    endpoint,
    status: sent.status,
    response: sent.json,
    credential: credentials[0] || null
  }) + '\n');
}

main().catch(e => {
  process.stdout.write(JSON.stringify({error: String(e && e.message || e)}) + '\n');
  process.exitCode = 1;
});
