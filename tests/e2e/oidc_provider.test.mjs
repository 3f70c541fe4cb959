// The oidc-provider helper itself (tokens are JWTs with our claims, JWKS rotation), then the real
// `citadel auth verify-token` against it: a fresh token verifies, and once the signing key has
// been rotated and the old one removed, a token signed with the old key fails with unknown_key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { startProvider, AUDIENCE } from './oidc_provider.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const citadel = process.env.CITADEL_BINARY || path.join(repoRoot, 'build/release/citadel');
const haveCitadel = existsSync(citadel);

const decode = (segment) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
const parts = (jwt) => jwt.split('.').slice(0, 2).map(decode);

async function jwksKids(idp) {
  const res = await fetch(idp.jwksUri, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200);
  return (await res.json()).keys.map((k) => k.kid);
}

// Runs `citadel auth verify-token` with the token on standard input.
function verify(idp, jwt, extra = []) {
  return new Promise((resolve) => {
    const child = execFile(citadel, ['auth', 'verify-token', '--issuer', idp.issuer, '--audience', AUDIENCE, ...extra, '-'],
      { timeout: 15000 }, (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
    child.stdin.end(jwt);
  });
}

let idp;
before(async () => { idp = await startProvider(); });
after(async () => { await idp?.stop(); });

test('oidc-provider helper: JWT access tokens with our claims and a published kid', { timeout: 20000 }, async () => {
  const jwt = await idp.token({ tenant: 'acme', roles: ['analyst', 'admin'], amr: ['pwd', 'otp'] });
  const [header, payload] = parts(jwt);
  assert.equal(header.alg, 'RS256');
  assert.equal(payload.iss, idp.issuer);
  assert.equal(payload.aud, AUDIENCE);
  assert.equal(payload.tenant, 'acme');
  assert.deepEqual(payload.roles, ['analyst', 'admin']);
  assert.deepEqual(payload.amr, ['pwd', 'otp']);
  assert.ok((await jwksKids(idp)).includes(header.kid));
  const other = parts(await idp.token({ tenant: 'globex', roles: ['user'] }))[1];
  assert.equal(other.tenant, 'globex');
  assert.deepEqual(other.roles, ['user']);
  assert.equal(other.amr, undefined);
});

test('oidc-provider helper: rotation keeps the old kid until it is removed', { timeout: 20000 }, async () => {
  const before = idp.currentKid();
  await idp.rotateKeys();
  assert.notEqual(idp.currentKid(), before);
  const [header] = parts(await idp.token({ tenant: 'acme' }));
  assert.equal(header.kid, idp.currentKid());
  assert.deepEqual((await jwksKids(idp)).sort(), [before, idp.currentKid()].sort());
  await idp.removeOldKey();
  assert.deepEqual(await jwksKids(idp), [idp.currentKid()]);
});

test('citadel auth verify-token against the provider', { timeout: 20000, skip: !haveCitadel && `no ${citadel}; build it first` }, async () => {
  const oldJwt = await idp.token({ tenant: 'acme', roles: ['analyst'], amr: ['pwd', 'otp'] });
  const ok = await verify(idp, oldJwt);
  assert.equal(ok.code, 0, ok.stderr);
  const identity = JSON.parse(ok.stdout);
  assert.equal(identity.tenant, 'acme');
  assert.deepEqual(identity.roles, ['analyst']);
  assert.deepEqual(identity.amr, ['pwd', 'otp']);
  assert.equal(identity.subject, 'citadel-e2e');

  const twoAudiences = await verify(idp, oldJwt, ['--audience', 'someone-else']);
  assert.equal(twoAudiences.code, 0, 'one matching audience of several suffices');
  const explicitJwks = await verify(idp, oldJwt, ['--jwks-uri', idp.jwksUri]);
  assert.equal(explicitJwks.code, 0, explicitJwks.stderr);

  await idp.rotateKeys();
  await idp.removeOldKey();
  const fresh = await verify(idp, await idp.token({ tenant: 'globex', roles: 'reader writer' }));
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.deepEqual(JSON.parse(fresh.stdout).roles, ['reader', 'writer']);

  const stale = await verify(idp, oldJwt);
  assert.equal(stale.code, 1);
  assert.match(stale.stderr, /unknown_key/);
  assert.equal(stale.stdout, '');
  assert.ok(!stale.stderr.includes(oldJwt.split('.')[2]), 'the error never echoes the token');
});
