// Watermarking through the real `citadel serve`: a role's watermark policy biases generation with
// the caller's tenant key; POST /v1/watermark/detect (the auditor's endpoint) names the tenant of a
// watermarked text among several, streamed and whole answers carry the same watermark, the audit
// record names the key id, and unwatermarked text is not flagged.
//
// Detection re-tokenizes the text, which only round-trips with a real tokenizer: the test runs on
// ../shared/models/tiny-qwen2-q8_0.gguf and is skipped, saying so, when ../shared is absent.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { citadel, startServer } from './harness.mjs';

const shared = process.env.CITADEL_SHARED_DIR ?? new URL('../../../shared', import.meta.url).pathname;
const modelFile = path.join(shared, 'models', 'tiny-qwen2-q8_0.gguf');
const available = existsSync(modelFile);
const skip = available ? false : `../shared is absent (${modelFile}): watermark end-to-end test skipped`;

const dir = mkdtempSync(path.join(tmpdir(), 'citadel-e2e-wm-'));
const model = { dir, file: modelFile, id: 'tiny-qwen2-q8_0' };
let server;
const keys = {};
const db = path.join(dir, 'audit.db');
const auditKey = path.join(dir, 'audit.key');

before(async () => {
  if (!available) return;
  const wmKey = path.join(dir, 'wm.key');
  execFileSync(citadel, ['watermark', 'keygen', '--out', wmKey]);
  execFileSync(citadel, ['audit', 'keygen', '--out', auditKey]);
  const store = path.join(dir, 'keys.db');
  const toml = `
[auth]
api_keys = "${store}"
[audit]
store = "${db}"
key_file = "${auditKey}"
[watermark]
key_file = "${wmKey}"
[watermark.policies.standard]
gamma = 0.25
delta = 2.0
[roles.writer]
endpoints = ["completions", "chat.completions"]
watermark_policy = "standard"
[roles.plain]
endpoints = ["completions"]
[roles.auditor]
endpoints = ["watermark.detect"]
[tenants.acme]
[tenants.globex]
[tenants.initech]
`;
  const key = (tenant, role) => execFileSync(citadel, ['keys', 'create', '--store', store, '--tenant', tenant, '--role', role],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  keys.acme = key('acme', 'writer');
  keys.globex = key('globex', 'writer');
  keys.plain = key('acme', 'plain');
  keys.auditor = key('hq', 'auditor');
  server = await startServer(model, toml);
});
after(async () => {
  if (server) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function post(pathname, key, body) {
  const res = await fetch(`${server.base}${pathname}`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body),
  });
  return { status: res.status, id: res.headers.get('x-request-id'), text: await res.text() };
}
const generation = { model: 'tiny-qwen2-q8_0', prompt: 'The report says', max_tokens: 200, temperature: 1.0, seed: 7, ignore_eos: true };
const detect = async (text) => {
  const r = await post('/v1/watermark/detect', keys.auditor, { text, tenants: ['acme', 'globex', 'initech'] });
  assert.equal(r.status, 200, r.text);
  return JSON.parse(r.text);
};

test('a watermarked answer is attributed to its tenant; streamed and whole answers carry the same mark', { skip }, async () => {
  const whole = await post('/v1/completions', keys.acme, generation);
  assert.equal(whole.status, 200, whole.text);
  const text = JSON.parse(whole.text).choices[0].text;
  const report = await detect(text);
  assert.equal(report.watermarked, true, JSON.stringify(report));
  assert.equal(report.tenant, 'acme');
  assert.match(report.verdict, /acme/);
  const acme = report.scores.find((s) => s.tenant === 'acme');
  assert.ok(acme.z >= 4 && acme.p_value <= report.p_threshold, JSON.stringify(acme));
  assert.ok(Math.abs(report.p_threshold - 3.167e-5) < 1e-8, 'z >= 4 is read as its normal tail');

  const res = await fetch(`${server.base}/v1/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.acme}` },
    body: JSON.stringify({ ...generation, stream: true }),
  });
  const streamed = (await res.text()).split('\n').filter((l) => l.startsWith('data: {'))
    .map((l) => JSON.parse(l.slice(6)).choices[0].text).join('');
  assert.equal(streamed, text, 'same seed, same watermark: identical text streamed or whole');

  const globex = await post('/v1/completions', keys.globex, generation);
  const other = await detect(JSON.parse(globex.text).choices[0].text);
  assert.equal(other.tenant, 'globex');

  const exported = JSON.parse(execFileSync(citadel, ['audit', 'export', '--db', db, '--key-file', auditKey,
    '--subject', keys.acme.slice(0, 11)], { encoding: 'utf8' }));
  const record = exported.find((r) => r.request_id === whole.id);
  assert.equal(record.watermark_key_id, acme.key_id, 'the audit record names the key id');
});

test('text from a role without a watermark policy is not flagged; only auditors may detect', { skip }, async () => {
  const plain = await post('/v1/completions', keys.plain, generation);
  const report = await detect(JSON.parse(plain.text).choices[0].text);
  assert.equal(report.watermarked, false, JSON.stringify(report.scores));
  assert.equal(report.verdict, 'no watermark found');
  assert.equal((await post('/v1/watermark/detect', keys.acme, { text: 'x' })).status, 403);
  assert.equal((await post('/v1/watermark/detect', keys.auditor, { nope: 1 })).status, 400);
});
