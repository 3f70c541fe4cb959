// Access control through the real `citadel serve`: API keys from `citadel keys` (created, used by
// the official openai SDK, revoked while the server runs), roles (endpoints, models, max_tokens
// ceiling, MFA), credentials refused in the URL, per-key token rate limits enforced within one
// request's worth of tokens (429 + Retry-After), daily usage kept across a restart, GET /v1/usage,
// and the refusal to listen beyond loopback without authentication.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import OpenAI from 'openai';
import { citadel, makeModel, startServer } from './harness.mjs';

const model = makeModel('acl-model');
const store = path.join(model.dir, 'keys.db');
const usageStore = path.join(model.dir, 'usage.db');
const TPM = 60;  // tokens per minute for the `metered` role
const CONFIG = `
[auth]
api_keys = "${store}"
[quota]
store = "${usageStore}"
[roles.analyst]
endpoints = ["chat.completions", "completions", "models", "usage"]
max_tokens = 16
tokens_per_day = 100000
[roles.reader]
endpoints = ["models", "usage"]
[roles.metered]
endpoints = ["completions", "usage"]
tokens_per_minute = ${TPM}
[roles.secure]
endpoints = ["*"]
require_mfa = true
[roles.other_model]
endpoints = ["*"]
models = ["some-other-model"]
`;

function createKey(tenant, role, extra = []) {
  return execFileSync(citadel, ['keys', 'create', '--store', store, '--tenant', tenant, '--role', role, ...extra],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}
const idOf = (key) => key.slice(0, 11);

let server;
const keys = {};
before(async () => {
  keys.analyst = createKey('acme', 'analyst', ['--name', 'alice']);
  keys.reader = createKey('acme', 'reader');
  keys.metered = createKey('globex', 'metered');
  keys.secure = createKey('acme', 'secure');
  keys.otherModel = createKey('acme', 'other_model');
  keys.restricted = createKey('acme', 'analyst', ['--models', 'not-this-one']);
  keys.unknownRole = createKey('acme', 'no-such-role');
  keys.revoked = createKey('acme', 'analyst');
  server = await startServer(model, CONFIG);
});
after(async () => {
  if (server) await server.stop();
  model.cleanup();
});

async function call(pathname, { key, method = 'POST', body, headers = {} } = {}) {
  const h = { 'content-type': 'application/json', ...headers };
  if (key !== undefined) h.authorization = `Bearer ${key}`;
  const res = await fetch(`${server.base}${pathname}`, {
    method, headers: h, body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text, headers: res.headers };
}
const completion = (extra = {}) => ({ model: 'acl-model', prompt: 'Once upon', max_tokens: 4, temperature: 0, ...extra });

test('a key from `citadel keys create` works with the openai SDK; keys list shows no secrets', async () => {
  const client = new OpenAI({ baseURL: `${server.base}/v1`, apiKey: keys.analyst, maxRetries: 0 });
  const r = await client.chat.completions.create({
    model: 'acl-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, temperature: 0,
  });
  assert.equal(r.choices.length, 1);
  const models = await client.models.list();
  assert.equal(models.data[0].id, 'acl-model');
  const list = execFileSync(citadel, ['keys', 'list', '--store', store, '--json'], { encoding: 'utf8' });
  assert.ok(list.includes(idOf(keys.analyst)));
  for (const k of Object.values(keys)) assert.ok(!list.includes(k), 'keys list must never print a secret');
});

// Each case: what the caller sends, and the status and error code it must get (never a 200).
const refusals = [
  ['no credentials', () => call('/v1/completions', { body: completion() }), 401, 'missing_credentials'],
  ['wrong scheme', () => call('/v1/completions', { body: completion(), headers: { authorization: `Basic ${keys.analyst}` } }), 401, 'invalid_authorization'],
  ['unknown key of the right shape', () => call('/v1/completions', { key: 'ck_' + 'A'.repeat(40), body: completion() }), 401, 'invalid_api_key'],
  ['key with one character changed', () => call('/v1/completions', { key: keys.analyst.slice(0, -1) + (keys.analyst.endsWith('A') ? 'B' : 'A'), body: completion() }), 401, 'invalid_api_key'],
  ['truncated key', () => call('/v1/completions', { key: keys.analyst.slice(0, 20), body: completion() }), 401, 'invalid_api_key'],
  ['garbage bearer', () => call('/v1/completions', { key: 'hello', body: completion() }), 401, 'invalid_api_key'],
  ['oversized bearer', () => call('/v1/completions', { key: 'x'.repeat(17000), body: completion() }), 431, 'headers_too_large'],
  ['key in the query string', () => call(`/v1/completions?api_key=${keys.analyst}`, { body: completion() }), 401, 'credentials_in_url'],
  ['key in the query string under an encoded name', () => call(`/v1/completions?api%5Fkey=${keys.analyst}`, { body: completion() }), 401, 'credentials_in_url'],
  ['token in the query string with a valid header too', () => call(`/v1/models?access_token=x`, { key: keys.analyst, method: 'GET' }), 401, 'credentials_in_url'],
  ['role without the endpoint', () => call('/v1/completions', { key: keys.reader, body: completion() }), 403, 'permission_denied'],
  ['role unknown to the policy', () => call('/v1/models', { key: keys.unknownRole, method: 'GET' }), 403, 'permission_denied'],
  ['role that requires MFA, API key has none', () => call('/v1/completions', { key: keys.secure, body: completion() }), 403, 'mfa_required'],
  ['role limited to another model', () => call('/v1/completions', { key: keys.otherModel, body: completion() }), 403, 'model_not_allowed'],
  ['key limited to another model', () => call('/v1/completions', { key: keys.restricted, body: completion() }), 403, 'model_not_allowed'],
  ['max_tokens above the role ceiling', () => call('/v1/completions', { key: keys.analyst, body: completion({ max_tokens: 17 }) }), 400, 'max_tokens_exceeded'],
];
for (const [name, send, status, code] of refusals) {
  test(`refused: ${name} -> ${status} ${code}`, async () => {
    const r = await send();
    assert.equal(r.status, status, r.text);
    if (status !== 431) assert.equal(r.json?.error?.code, code, r.text);
    if (status === 401) assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
    for (const k of Object.values(keys)) assert.ok(!r.text.includes(k), 'an error must never echo a credential');
  });
}

test('the role ceiling applies when the request gives no max_tokens', async () => {
  const r = await call('/v1/completions', { key: keys.analyst, body: { model: 'acl-model', prompt: 'x', temperature: 0, ignore_eos: true } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.usage.completion_tokens, 16);
});

test('revocation takes effect on the next request, without a restart', async () => {
  assert.equal((await call('/v1/models', { key: keys.revoked, method: 'GET' })).status, 200);
  execFileSync(citadel, ['keys', 'revoke', '--store', store, idOf(keys.revoked)], { stdio: 'ignore' });
  const r = await call('/v1/models', { key: keys.revoked, method: 'GET' });
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'invalid_api_key');
  assert.match(r.json.error.message, /revoked/);
});

test('rotate issues a working key and retires the old one', async () => {
  const old = createKey('acme', 'reader');
  const fresh = execFileSync(citadel, ['keys', 'rotate', '--store', store, idOf(old)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  assert.notEqual(fresh, old);
  assert.equal((await call('/v1/models', { key: fresh, method: 'GET' })).status, 200);
  assert.equal((await call('/v1/models', { key: old, method: 'GET' })).status, 401);
});

test('a tokens-per-minute limit holds within one request of tokens, then 429 with Retry-After', async () => {
  let charged = 0, last = null;
  for (let i = 0; i < 20; i++) {
    last = await call('/v1/completions', { key: keys.metered, body: completion({ max_tokens: 8, ignore_eos: true }) });
    if (last.status !== 200) break;
    charged += last.json.usage.total_tokens;
  }
  assert.equal(last.status, 429, last.text);
  assert.equal(last.json.error.code, 'rate_limit_exceeded');
  assert.ok(Number(last.headers.get('retry-after')) >= 1);
  const perRequest = 8 + 3;  // completion + a short prompt
  assert.ok(charged >= TPM - perRequest, `stopped too early: ${charged} tokens`);
  assert.ok(charged <= TPM + 2 * perRequest, `overdrew by more than one request: ${charged} tokens against ${TPM}`);
  // Another tenant's key is not affected.
  assert.equal((await call('/v1/completions', { key: keys.analyst, body: completion() })).status, 200);
  const usage = await call('/v1/usage', { key: keys.metered, method: 'GET' });
  assert.equal(usage.status, 200);
  assert.equal(usage.json.tenant, 'globex');
  assert.equal(usage.json.scopes[0].limits.tokens_per_minute, TPM);
  assert.ok(usage.json.scopes[0].tokens_this_minute_remaining <= 1);
});

test('daily usage survives a restart', async () => {
  const before = (await call('/v1/usage', { key: keys.analyst, method: 'GET' })).json.scopes[0].tokens_today;
  assert.ok(before > 0);
  const r = await call('/v1/completions', { key: keys.analyst, body: completion({ max_tokens: 5, ignore_eos: true }) });
  const spent = r.json.usage.total_tokens;
  await server.stop();
  server = await startServer(model, CONFIG);
  const after = (await call('/v1/usage', { key: keys.analyst, method: 'GET' })).json;
  assert.equal(after.scopes[0].tokens_today, before + spent);
  assert.equal(after.scopes[0].limits.tokens_per_day, 100000);
  assert.equal(after.role, 'analyst');
  assert.equal(after.credential, idOf(keys.analyst));
});

test('health, readiness and metrics need no credentials; models does', async () => {
  for (const p of ['/healthz', '/readyz', '/metrics']) {
    assert.equal((await fetch(`${server.base}${p}`)).status, 200, p);
  }
  assert.equal((await fetch(`${server.base}/v1/models`)).status, 401);
});

test('a non-loopback listener without authentication is refused unless --insecure-no-auth', () => {
  const r = spawnSync(citadel, ['serve', '-m', model.file, '--host', '0.0.0.0', '--port', '0'], { encoding: 'utf8', timeout: 20000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /no authentication is configured.*--insecure-no-auth/s);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
});

test('the example production configuration passes `citadel config check`', () => {
  const file = new URL('../../deploy/citadel.toml', import.meta.url).pathname;
  const r = spawnSync(citadel, ['config', 'check', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
