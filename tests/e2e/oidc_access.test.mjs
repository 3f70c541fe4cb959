// OIDC through the real `citadel serve`: a real OpenID Provider (npm oidc-provider) on loopback
// issues client-credentials JWT access tokens; Citadel discovers its JWKS, admits the tokens with
// the roles, tenant and amr they carry (the official openai SDK as client), follows a signing-key
// rotation, refuses tokens of a removed key, and answers a table of token attacks with the
// documented status, never a 200.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import OpenAI from 'openai';
import { makeModel, startServer } from './harness.mjs';
import { startProvider, AUDIENCE } from './oidc_provider.mjs';

const model = makeModel('oidc-model');
let idp, server;
const CONFIG = (issuer) => `
[auth.oidc]
issuer = "${issuer}"
audiences = ["${AUDIENCE}"]
roles_claims = ["roles"]
tenant_claim = "tenant"
unknown_kid_min_interval_seconds = 1
[roles.analyst]
endpoints = ["completions", "chat.completions", "models", "usage"]
[roles.admin]
endpoints = ["*"]
require_mfa = true
mfa_amr = ["otp", "hwk"]
[roles.limited]
endpoints = ["completions"]
models = ["another-model"]
`;

before(async () => {
  idp = await startProvider();
  server = await startServer(model, CONFIG(idp.issuer));
});
after(async () => {
  if (server) await server.stop();
  if (idp) await idp.stop();
  model.cleanup();
});

const b64 = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');
const parts = (jwt) => jwt.split('.');
const decode = (segment) => JSON.parse(Buffer.from(segment, 'base64url').toString());

async function complete(bearer, extraHeaders = {}) {
  const res = await fetch(`${server.base}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...extraHeaders },
    body: JSON.stringify({ model: 'oidc-model', prompt: 'Hello', max_tokens: 2, temperature: 0 }),
  });
  const text = await res.text();
  return { status: res.status, code: (() => { try { return JSON.parse(text).error?.code; } catch { return null; } })(), text };
}

test('a client-credentials token from the provider works with the openai SDK; claims become the identity', async () => {
  const jwt = await idp.token({ tenant: 'acme', roles: ['analyst'] });
  const client = new OpenAI({ baseURL: `${server.base}/v1`, apiKey: jwt, maxRetries: 0 });
  const r = await client.completions.create({ model: 'oidc-model', prompt: 'Hi', max_tokens: 2 });
  assert.equal(r.choices.length, 1);
  const usage = await (await fetch(`${server.base}/v1/usage`, { headers: { authorization: `Bearer ${jwt}` } })).json();
  assert.equal(usage.tenant, 'acme');
  assert.equal(usage.role, 'analyst');
});

test('MFA: a role that requires it admits a token whose amr has a second factor, and no other', async () => {
  const without = await complete(await idp.token({ tenant: 'acme', roles: ['admin'], amr: ['pwd'] }));
  assert.equal(without.status, 403);
  assert.equal(without.code, 'mfa_required');
  const withOtp = await complete(await idp.token({ tenant: 'acme', roles: ['admin'], amr: ['pwd', 'otp'] }));
  assert.equal(withOtp.status, 200, withOtp.text);
});

test('key rotation: new tokens work at once, tokens of a removed key fail', async () => {
  const oldToken = await idp.token({ tenant: 'acme', roles: ['analyst'] });
  assert.equal((await complete(oldToken)).status, 200);
  await idp.rotateKeys();
  // Unknown kids refresh the JWKS at most once per unknown_kid_min_interval_seconds (1 s here).
  await new Promise((r) => setTimeout(r, 1100));
  const newToken = await idp.token({ tenant: 'acme', roles: ['analyst'] });
  assert.notEqual(decode(parts(newToken)[0]).kid, decode(parts(oldToken)[0]).kid);
  assert.equal((await complete(newToken)).status, 200, 'an unknown kid makes Citadel refresh the JWKS');
  assert.equal((await complete(oldToken)).status, 200, 'the old key is still published');
  await idp.removeOldKey();
  await new Promise((r) => setTimeout(r, 1100));  // past the unknown-kid refresh interval
  const newest = await idp.token({ tenant: 'acme', roles: ['analyst'] });
  // A token whose key the server has cached still passes until the JWKS is refreshed; a token with
  // a kid the server has not seen makes it refresh, after which the removed key is gone.
  const forcedRefresh = await complete(forgeWithKid(newest, 'kid-nobody-knows'));
  assert.equal(forcedRefresh.status, 401);
  const old = await complete(oldToken);
  assert.equal(old.status, 401, old.text);
  assert.equal(old.code, 'unknown_key');
  assert.equal((await complete(newest)).status, 200);
});

// A self-made RSA key, unknown to the provider.
const rogue = generateKeyPairSync('rsa', { modulusLength: 2048 });
function forgeWithKid(jwt, kid) {
  const [h, p, s] = parts(jwt);
  return [b64({ ...decode(h), kid }), p, s].join('.');
}
function resign(header, payload) {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), rogue.privateKey).toString('base64url')}`;
}

test('token attacks get 401/403, never a 200', async () => {
  const good = await idp.token({ tenant: 'acme', roles: ['analyst'] });
  const [h, p, s] = parts(good);
  const header = decode(h), payload = decode(p);
  const now = Math.floor(Date.now() / 1000);
  const jwks = await (await fetch(idp.jwksUri)).json();
  const publicPem = createPublicKey({ key: jwks.keys.find((k) => k.kid === header.kid), format: 'jwk' })
    .export({ type: 'spki', format: 'pem' });
  const hs256 = (() => {
    const input = `${b64({ ...header, alg: 'HS256' })}.${p}`;
    return `${input}.${createHmac('sha256', publicPem).update(input).digest('base64url')}`;
  })();
  const limited = await idp.token({ tenant: 'acme', roles: ['limited'] });
  const cases = [
    ['alg none, no signature', `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`, 401, 'invalid_token'],
    ['alg none, original signature', `${b64({ ...header, alg: 'none' })}.${p}.${s}`, 401, 'unsupported_algorithm'],
    ['HS256 signed with the RSA public key', hs256, 401, 'unsupported_algorithm'],
    ['kid pointing at nothing', forgeWithKid(good, 'elsewhere'), 401, 'unknown_key'],
    ['tampered payload: role escalation to admin', `${h}.${b64({ ...payload, roles: ['admin'], amr: ['otp'] })}.${s}`, 401, 'invalid_signature'],
    ['tampered payload: other tenant', `${h}.${b64({ ...payload, tenant: 'globex' })}.${s}`, 401, 'invalid_signature'],
    ['tampered header', `${b64({ ...header, typ: 'at+jwt ' })}.${p}.${s}`, 401, 'invalid_signature'],
    ['truncated signature', `${h}.${p}.${s.slice(0, 40)}`, 401, 'invalid_signature'],
    ['signed by a rogue key under the real kid', resign(header, payload), 401, 'invalid_signature'],
    ['expired (rogue-signed)', resign(header, { ...payload, exp: now - 3600 }), 401, null],
    ['crit header', `${b64({ ...header, crit: ['exp'] })}.${p}.${s}`, 401, 'invalid_token'],
    ['two segments', `${h}.${p}`, 401, 'invalid_token'],
    ['four segments', `${h}.${p}.${s}.${s}`, 401, 'invalid_token'],
    ['garbage segments', 'a.b.c', 401, 'invalid_token'],
    ['oversized token', `${h}.${b64({ ...payload, pad: 'x'.repeat(9000) })}.${s}`, 401, 'token_too_large'],
    ['role that may not use this model', limited, 403, 'model_not_allowed'],
    ['token in the query string', null, 401, 'credentials_in_url'],
  ];
  for (const [name, token, status, code] of cases) {
    const r = token === null
      ? await (async () => {
        const res = await fetch(`${server.base}/v1/models?access_token=${good}`);
        const body = await res.json();
        return { status: res.status, code: body.error?.code, text: JSON.stringify(body) };
      })()
      : await complete(token);
    assert.equal(r.status, status, `${name}: ${r.text}`);
    if (code) assert.equal(r.code, code, `${name}: ${r.text}`);
    assert.ok(!r.text.includes(good), `${name}: the token is echoed`);
  }
  // An unverified claim never grants a role: roles in the header are ignored.
  const headerRoles = await complete(`${b64({ ...header, roles: ['admin'] })}.${p}.${s}`);
  assert.notEqual(headerRoles.status, 200);
});
