/*
 * The JSON-LD document loader of the reference JavaScript side.
 *
 * It serves EXACTLY the contexts bundled in the Python package
 * (src/lerkit/core/contexts/index.json maps URL -> file name in that folder),
 * resolves did:key URLs (Ed25519 and ECDSA P-256 / P-384 keys) and whatever
 * extra documents the caller passes in (a status list credential, a custom
 * context for a fixture). Everything else is refused with an error: nothing is
 * ever fetched from the network.
 */
import {readFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as DidKey from '@digitalbazaar/did-method-key';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {
  Ed25519VerificationKey2020
} from '@digitalbazaar/ed25519-verification-key-2020';
import {JsonLdDocumentLoader} from 'jsonld-document-loader';

const HERE = dirname(fileURLToPath(import.meta.url));
export const INTEROP_DIR = resolve(HERE, '..');
export const REPO_ROOT = resolve(INTEROP_DIR, '..', '..');
export const CONTEXTS_DIR = join(REPO_ROOT, 'src', 'lerkit', 'core', 'contexts');

// multibase-multikey headers (first four characters of the public key value)
export const ED25519_HEADER = 'z6Mk';
export const P256_HEADER = 'zDna';
export const P384_HEADER = 'z82L';

let _bundled;

/**
 * The contexts bundled with the Python package, as a Map URL -> document.
 * Read once per process.
 *
 * @returns {Map<string, object>} The bundled contexts.
 */
export function bundledContexts() {
  if(_bundled) {
    return _bundled;
  }
  const index = JSON.parse(
    readFileSync(join(CONTEXTS_DIR, 'index.json'), 'utf8'));
  _bundled = new Map();
  for(const [url, file] of Object.entries(index)) {
    _bundled.set(url, JSON.parse(readFileSync(join(CONTEXTS_DIR, file), 'utf8')));
  }
  return _bundled;
}

/**
 * A did:key driver that resolves Ed25519 and ECDSA (P-256, P-384) keys.
 *
 * @param {object} [options] - Options.
 * @param {'Multikey'|'Ed25519VerificationKey2020'} [options.ed25519Type] -
 *   The verification method type given to Ed25519 did:key keys. `Multikey`
 *   (the default) is what eddsa-rdfc-2022 expects; Ed25519Signature2020 (v5)
 *   accepts both, converting a Multikey into an Ed25519VerificationKey2020.
 *
 * @returns {object} The driver (exposes `get({did|url})`).
 */
export function didKeyDriver({ed25519Type = 'Multikey'} = {}) {
  const driver = DidKey.driver();
  driver.use({
    multibaseMultikeyHeader: ED25519_HEADER,
    fromMultibase: ed25519Type === 'Ed25519VerificationKey2020' ?
      Ed25519VerificationKey2020.from : Ed25519Multikey.from
  });
  driver.use({multibaseMultikeyHeader: P256_HEADER, fromMultibase: EcdsaMultikey.from});
  driver.use({multibaseMultikeyHeader: P384_HEADER, fromMultibase: EcdsaMultikey.from});
  return driver;
}

/**
 * Builds the document loader.
 *
 * @param {object} [options] - Options.
 * @param {Map<string, object>|object} [options.extra] - Extra documents
 *   (URL -> JSON), e.g. a status list credential or a custom context.
 * @param {'Multikey'|'Ed25519VerificationKey2020'} [options.ed25519Type] -
 *   See `didKeyDriver`.
 *
 * @returns {Function} An async `documentLoader(url)`.
 */
export function makeDocumentLoader({extra, ed25519Type} = {}) {
  const loader = new JsonLdDocumentLoader();
  loader.addDocuments({documents: bundledContexts()});
  if(extra) {
    const entries = extra instanceof Map ? extra : Object.entries(extra);
    for(const [url, document] of entries) {
      loader.addStatic(url, document);
    }
  }
  const driver = didKeyDriver({ed25519Type});
  loader.setProtocolHandler({
    protocol: 'did',
    handler: {
      async get({url}) {
        if(url.startsWith('did:web:')) {
          return didWebFromExtra(url, extra);
        }
        if(!url.startsWith('did:key:')) {
          throw new Error(
            `Refused to resolve "${url}": only did:key (and did:web given as extra ` +
            'documents) is supported.');
        }
        return driver.get({url});
      }
    }
  });
  const built = loader.build();
  return async function documentLoader(url) {
    let result;
    try {
      result = await built(url);
    } catch(e) {
      if(e && typeof e.message === 'string' &&
        e.message.startsWith('Document not found in document loader')) {
        throw new Error(`Refused to load "${url}": not a bundled or given document.`);
      }
      throw e;
    }
    return result;
  };
}

/**
 * Resolves a did:web DID or DID URL from the extra documents (keyed by the DID):
 * the whole DID document, or the verification method a fragment names (with the
 * document's `@context`, as jsonld-signatures expects). Nothing is fetched.
 *
 * @param {string} url - The did:web DID or DID URL.
 * @param {Map<string, object>|object} [extra] - Extra documents.
 *
 * @returns {object} The DID document or verification method.
 */
function didWebFromExtra(url, extra) {
  const [did, fragment] = url.split('#');
  const documents = extra instanceof Map ? extra : new Map(Object.entries(extra || {}));
  const doc = documents.get(did);
  if(!doc) {
    throw new Error(`Refused to resolve "${url}": did:web document not given.`);
  }
  if(!fragment) {
    return doc;
  }
  const methods = doc.verificationMethod || [];
  const method = methods.find(m => m.id === url || m.id === `#${fragment}`);
  if(!method) {
    throw new Error(`"${url}" is not in the given DID document.`);
  }
  return {'@context': doc['@context'], ...method, id: url};
}
