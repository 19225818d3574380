#!/usr/bin/env node
/*
 * Self-test of the reference JS side: drives dbvc.mjs through its CLI
 * (keygen, sign-vc, verify-vc, sign-vp, verify-vp, status-list, make-fixtures)
 * in a temporary directory and checks the verdicts of Digital Bazaar's
 * libraries. Run: `node tests/interop/selftest.mjs` (after `make node`).
 */
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const DBVC = join(dirname(fileURLToPath(import.meta.url)), 'dbvc.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'lerkit-dbvc-'));
let passed = 0;
let failed = 0;

function dbvc(args, stdin) {
  const out = execFileSync(process.execPath, [DBVC, ...args], {
    input: stdin === undefined ? '' : JSON.stringify(stdin),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe']
  });
  return JSON.parse(out);
}

function check(name, fn) {
  try {
    fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch(e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message}`);
  }
}

function expect(cond, message) {
  if(!cond) {
    throw new Error(message);
  }
}

const read = file => JSON.parse(readFileSync(file, 'utf8'));

try {
  const seed = '11'.repeat(32);
  const key = dbvc(['keygen', '--type', 'ed25519', '--seed', seed]);
  const keyFile = join(tmp, 'key.json');
  writeFileSync(keyFile, JSON.stringify(key));
  check('keygen ed25519 is deterministic from a seed', () => {
    const again = dbvc(['keygen', '--type', 'ed25519', '--seed', seed]);
    expect(JSON.stringify(again) === JSON.stringify(key), 'keys differ');
    expect(key.did === `did:key:${key.publicKeyMultibase}`, 'did is not did:key of the key');
    expect(key.publicKeyMultibase.startsWith('z6Mk'), 'not an Ed25519 multikey');
  });
  check('keygen p256 / p384', () => {
    expect(dbvc(['keygen', '--type', 'p256']).did.startsWith('did:key:zDn'), 'p256');
    expect(dbvc(['keygen', '--type', 'p384']).did.startsWith('did:key:z82'), 'p384');
    const a = dbvc(['keygen', '--type', 'p256', '--seed', '22'.repeat(32)]);
    const b = dbvc(['keygen', '--type', 'p256', '--seed', '22'.repeat(32)]);
    expect(a.did === b.did, 'seeded p256 not deterministic');
  });

  const unsigned = {
    '@context': ['https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
    id: 'urn:uuid:00000000-0000-4000-8000-000000000001',
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: 'Selftest badge',
    issuer: {id: key.did, type: ['Profile'], name: 'Selftest'},
    validFrom: '2024-01-01T00:00:00Z',
    credentialSubject: {
      type: ['AchievementSubject'],
      achievement: {
        id: 'https://example.org/a/1', type: ['Achievement'], name: 'A',
        description: 'D', criteria: {narrative: 'N'}
      }
    }
  };
  for(const suite of ['eddsa-rdfc-2022', 'ed25519-signature-2020']) {
    check(`sign-vc + verify-vc (${suite})`, () => {
      const signed = dbvc(['sign-vc', '--key', keyFile, '--suite', suite,
        '--created', '2024-01-01T00:00:00Z'], unsigned);
      expect(signed.proof && signed.proof.created === '2024-01-01T00:00:00Z', 'no proof/created');
      const r = dbvc(['verify-vc'], signed);
      expect(r.verified === true, JSON.stringify(r));
      const tampered = structuredClone(signed);
      tampered.name = 'Changed';
      const t = dbvc(['verify-vc'], tampered);
      expect(t.verified === false && t.problem === 'proof.invalid', JSON.stringify(t));
    });
  }
  check('errors: exit code and one-line JSON', () => {
    let threw = false;
    try {
      execFileSync(process.execPath, [DBVC, 'sign-vc', '--suite', 'nope', '--key', keyFile],
        {input: JSON.stringify(unsigned), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe']});
    } catch(e) {
      threw = true;
      expect(e.status !== 0, 'zero exit');
      const lines = e.stdout.trim().split('\n');
      expect(lines.length === 1 && JSON.parse(lines[0]).error, `stdout: ${e.stdout}`);
    }
    expect(threw, 'no failure');
  });
  check('the loader refuses unknown documents', () => {
    const c = structuredClone(unsigned);
    c['@context'].push('https://example.org/never/v1');
    let threw = false;
    try {
      dbvc(['sign-vc', '--key', keyFile, '--suite', 'eddsa-rdfc-2022'], c);
    } catch(e) {
      threw = true;
      expect(/Refused to load/.test(e.stdout), e.stdout);
    }
    expect(threw, 'signed with an unknown context');
  });

  const out = join(tmp, 'fixtures');
  dbvc(['make-fixtures', '--out', out]);
  const manifest = read(join(out, 'manifest.json'));
  for(const c of manifest.cases) {
    check(`fixture ${c.name}`, () => {
      const doc = read(join(out, c.file));
      const args = [c.kind === 'presentation' ? 'verify-vp' : 'verify-vc'];
      for(const [url, file] of Object.entries(c.resources || {})) {
        args.push('--resource', `${url}=${join(out, file)}`);
      }
      if(c.kind === 'presentation') {
        args.push('--challenge', c.challenge);
        if(c.domain) {
          args.push('--domain', c.domain);
        }
      }
      const r = dbvc(args, doc);
      const want = c.js || c;
      expect(r.verified === want.verified && r.problem === want.problem,
        `want ${want.verified}/${want.problem}, got ${JSON.stringify(r)}`);
    });
  }
  check('status-list command', () => {
    const sl = dbvc(['status-list', '--size', '131072', '--set', '23,42', '--url',
      'https://example.org/status/9', '--issuer-key', keyFile, '--purpose', 'revocation']);
    expect(sl.type.includes('BitstringStatusListCredential'), 'type');
    expect(sl.credentialSubject.statusPurpose === 'revocation', 'purpose');
    expect(dbvc(['verify-vc'], sl).verified === true, 'status list does not verify');
  });
  check('sign-vp + verify-vp', () => {
    const vp = dbvc(['sign-vp', '--key', keyFile, '--suite', 'eddsa-rdfc-2022',
      '--challenge', 'ch', '--domain', 'example.org'],
    {verifiableCredential: [read(join(out, 'valid.json'))], holder: key.did});
    expect(vp.proof.proofPurpose === 'authentication', 'purpose');
    const ok = dbvc(['verify-vp', '--challenge', 'ch', '--domain', 'example.org'], vp);
    expect(ok.verified === true, JSON.stringify(ok));
    const bad = dbvc(['verify-vp', '--challenge', 'other'], vp);
    expect(bad.verified === false && bad.problem === 'proof.challenge_mismatch',
      JSON.stringify(bad));
  });
  check('bench', () => {
    const r = dbvc(['bench', '--suite', 'eddsa-rdfc-2022', '--n', '5', '--warmup', '2'],
      {credential: unsigned, key: keyFile});
    expect(r.sign_per_s > 0 && r.verify_per_s > 0, JSON.stringify(r));
  });
} finally {
  rmSync(tmp, {recursive: true, force: true});
}

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
