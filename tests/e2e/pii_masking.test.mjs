// PII masking through the real `citadel serve`: the role's policy masks prompts before the
// tokenizer (placeholders for a phone number and an ID card; the audit trail, which records the
// text the engine received, holds only placeholders), restores the originals where the output
// repeats the placeholders (completions with echo return the prompt through the output filter,
// whole and streamed), blocks a request carrying a private key without echoing it, applies custom
// phrase detectors, counts findings in metrics, and reloads policies on SIGHUP.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { citadel, makeModel, startServer, sleep } from './harness.mjs';

const model = makeModel('pii-model');
const store = path.join(model.dir, 'keys.db');
const db = path.join(model.dir, 'audit.db');
const keyFile = path.join(model.dir, 'audit.key');
const PHONE = '13812345678';
const ID_CARD = '11010519491231002X';
const config = (projectAction) => `
[auth]
api_keys = "${store}"
[audit]
store = "${db}"
key_file = "${keyFile}"
[pii.detectors.project]
phrases = ["Project Falcon"]
[pii.policies.clinic]
default = "redact"
PHONE = "placeholder"
ID_CARD = "placeholder"
PRIVATE_KEY = "block"
PROJECT = "${projectAction}"
[roles.clerk]
endpoints = ["*"]
pii_policy = "clinic"
audit_policy = "full"
[roles.raw]
endpoints = ["*"]
audit_policy = "full"
`;

let server, clerk, raw;
before(async () => {
  execFileSync(citadel, ['audit', 'keygen', '--out', keyFile]);
  const key = (role) => execFileSync(citadel, ['keys', 'create', '--store', store, '--tenant', 'clinic', '--role', role],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  clerk = key('clerk');
  raw = key('raw');
  server = await startServer(model, config('redact'));
});
after(async () => {
  if (server) await server.stop();
  model.cleanup();
});

async function complete(key, body) {
  const res = await fetch(`${server.base}/v1/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'pii-model', max_tokens: 2, temperature: 0, ...body }),
  });
  return { status: res.status, id: res.headers.get('x-request-id'), text: await res.text() };
}

function auditedPrompt(requestId) {
  const subject = clerk.slice(0, 11);
  const exported = execFileSync(citadel, ['audit', 'export', '--db', db, '--key-file', keyFile, '--subject', subject],
    { encoding: 'utf8' });
  const record = JSON.parse(exported).find((r) => r.request_id === requestId);
  assert.ok(record, `no audit record for ${requestId}`);
  return record;
}

test('the engine sees placeholders; the caller gets the originals back (whole answer)', async () => {
  const prompt = `Patient ${ID_CARD} can be reached at ${PHONE}. Call ${PHONE} again.`;
  const r = await complete(clerk, { prompt, echo: true });
  assert.equal(r.status, 200, r.text);
  const text = JSON.parse(r.text).choices[0].text;
  assert.ok(text.startsWith(prompt), `echo must come back with the originals: ${text}`);
  const record = auditedPrompt(r.id);
  assert.match(record.prompt, /\[ID_CARD_1\] can be reached at \[PHONE_1\]\. Call \[PHONE_1\] again\./);
  assert.ok(!record.prompt.includes(PHONE) && !record.prompt.includes(ID_CARD), 'the engine saw the values');
  assert.deepEqual(record.pii_findings, { ID_CARD: 1, PHONE: 2 });
});

test('streamed: the echoed prompt comes back with the originals (stream filter)', async () => {
  const prompt = `Call +86 138-1234-5678 now`;
  const res = await fetch(`${server.base}/v1/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${clerk}` },
    body: JSON.stringify({ model: 'pii-model', prompt, echo: true, stream: true, max_tokens: 4, temperature: 0 }),
  });
  assert.equal(res.status, 200);
  const body = await res.text();
  const text = body.split('\n').filter((l) => l.startsWith('data: {'))
    .map((l) => JSON.parse(l.slice(6)).choices[0].text).join('');
  assert.ok(text.startsWith(prompt), text);
});

test('chat messages are masked too, and a role without a policy is not', async () => {
  const chat = async (key) => {
    const res = await fetch(`${server.base}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'pii-model', messages: [{ role: 'user', content: `my phone is ${PHONE}` }], max_tokens: 1 }),
    });
    return res.headers.get('x-request-id');
  };
  const masked = auditedPrompt(await chat(clerk));
  assert.ok(masked.prompt.includes('[PHONE_1]') && !masked.prompt.includes(PHONE), masked.prompt);
  const unmasked = await chat(raw);
  const exported = JSON.parse(execFileSync(citadel, ['audit', 'export', '--db', db, '--key-file', keyFile, '--subject', raw.slice(0, 11)],
    { encoding: 'utf8' }));
  const record = exported.find((r) => r.request_id === unmasked);
  assert.ok(record.prompt.includes(PHONE), 'a role without pii_policy sends the text as it is');
});

test('a blocked type refuses the request without echoing the value', async () => {
  const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----';
  const r = await complete(clerk, { prompt: `here is my key ${pem}` });
  assert.equal(r.status, 400, r.text);
  const error = JSON.parse(r.text).error;
  assert.equal(error.code, 'pii_blocked');
  assert.match(error.message, /PRIVATE_KEY/);
  assert.ok(!r.text.includes('MIIEvQ'), 'the value must never be echoed');
});

test('custom phrases are masked, findings are counted, and SIGHUP reloads the policy', async () => {
  const before = await complete(clerk, { prompt: 'Status of Project Falcon?', echo: true });
  assert.equal(before.status, 200);
  assert.ok(!JSON.parse(before.text).choices[0].text.includes('Project Falcon'), 'redacted on the way out too');
  const metrics = await (await fetch(`${server.base}/metrics`)).text();
  assert.match(metrics, /citadel_pii_findings_total\{type="PROJECT"\} [1-9]/);
  assert.match(metrics, /citadel_pii_findings_total\{type="PHONE"\} [1-9]/);
  // Block the project name from now on.
  const file = /--config (\S+)/.exec(server.proc.spawnargs.join(' '))[1];
  writeFileSync(file, config('block'));
  server.proc.kill('SIGHUP');
  for (let i = 0; i < 50 && !server.stderr().includes('SIGHUP: roles'); i++) await sleep(100);
  const after = await complete(clerk, { prompt: 'Status of Project Falcon?' });
  assert.equal(after.status, 400, after.text);
  assert.match(JSON.parse(after.text).error.message, /PROJECT/);
});
