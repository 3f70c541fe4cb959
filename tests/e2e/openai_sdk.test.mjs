// The real `citadel serve` on 127.0.0.1 (ephemeral port), driven by the official openai SDK: chat
// (whole and streamed, usage in the stream), completions, the model list, stop strings, seeds, n,
// every class of error with its status and OpenAI error object, metrics accepted by promtool,
// a client that disconnects mid-stream, and SIGTERM ending the process with status 0.
//
// Run by CTest: node --test tests/e2e/ with CITADEL_BINARY and CITADEL_GEN_MODEL_BINARY set.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';

const citadel = process.env.CITADEL_BINARY;
const generator = process.env.CITADEL_GEN_MODEL_BINARY;
assert.ok(citadel && existsSync(citadel), 'CITADEL_BINARY must name the citadel binary');
assert.ok(generator && existsSync(generator), 'CITADEL_GEN_MODEL_BINARY must name citadel-gen-model');

const dir = mkdtempSync(path.join(tmpdir(), 'citadel-e2e-'));
const modelFile = path.join(dir, 'tiny-e2e.gguf');
const MODEL = 'tiny-e2e';
let server, base, client, stderr = '';

before(async () => {
  execFileSync(generator, ['--arch', 'llama', '--preset', 'tiny', '--type', 'Q8_0', '--out', modelFile]);
  server = spawn(citadel, ['serve', '-m', modelFile, '--port', '0', '-t', '2', '--parallel', '8'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within 30 s: ${stderr}`)), 30000);
    server.stderr.on('data', (d) => {
      stderr += d;
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 60000 });
});

after(() => {
  if (process.env.CITADEL_E2E_VERBOSE) console.error(stderr, 'exit', server?.exitCode, server?.signalCode);
  if (server && server.exitCode === null) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const chat = (extra = {}) => ({
  model: MODEL,
  messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Tell me about load tests.' }],
  max_tokens: 12,
  temperature: 0,
  ...extra,
});

async function expectApiError(promise, status, check = () => {}) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof OpenAI.APIError, `not an APIError: ${e}`);
    assert.equal(e.status, status, `status ${e.status}: ${e.message}`);
    assert.equal(typeof e.error?.message, 'string');
    assert.ok('type' in e.error && 'param' in e.error && 'code' in e.error, JSON.stringify(e.error));
    check(e);
    return true;
  });
}

async function raw(pathname, init) {
  let r;
  try {
    r = await fetch(base + pathname, init);
  } catch (e) {
    throw new Error(`${init?.method ?? "GET"} ${pathname}: ${e.message}: ${e.cause?.code ?? ""} ${e.cause?.message ?? ""}`);
  }
  const text = await r.text();
  return { status: r.status, text, json: (() => { try { return JSON.parse(text); } catch { return null; } })(), headers: r.headers };
}

test('models list and model lookup', async () => {
  const list = await client.models.list();
  assert.deepEqual(list.data.map((m) => m.id), [MODEL]);
  const m = await client.models.retrieve(MODEL);
  assert.equal(m.id, MODEL);
  assert.equal(m.object, 'model');
  await expectApiError(client.models.retrieve('gpt-4o'), 404, (e) => assert.equal(e.code, 'model_not_found'));
});

test('chat completion: shape, usage and finish reason', async () => {
  const r = await client.chat.completions.create(chat());
  assert.equal(r.object, 'chat.completion');
  assert.match(r.id, /^chatcmpl-/);
  assert.equal(r.model, MODEL);
  assert.equal(r.choices.length, 1);
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(typeof r.choices[0].message.content, 'string');
  assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
  assert.ok(r.usage.prompt_tokens > 5);
  assert.ok(r.usage.completion_tokens >= 1 && r.usage.completion_tokens <= 12);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
});

test('streamed chat equals the whole answer and ends with usage', async () => {
  const whole = await client.chat.completions.create(chat());
  const stream = await client.chat.completions.create(chat({ stream: true, stream_options: { include_usage: true } }));
  let text = '', finish = null, usage = null, chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.delta.content ?? '';
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  assert.ok(chunks >= 2);
  assert.equal(text, whole.choices[0].message.content);
  assert.equal(finish, whole.choices[0].finish_reason);
  assert.ok(usage, 'include_usage must send a usage chunk');
  assert.equal(usage.completion_tokens, whole.usage.completion_tokens);
  assert.equal(usage.prompt_tokens, whole.usage.prompt_tokens);
});

test('completions: prompt string and list, echo, logprobs', async () => {
  const r = await client.completions.create({ model: MODEL, prompt: 'The quick brown fox', max_tokens: 5, temperature: 0 });
  assert.equal(r.object, 'text_completion');
  assert.equal(typeof r.choices[0].text, 'string');
  const echoed = await client.completions.create({
    model: MODEL, prompt: 'The quick brown fox', max_tokens: 5, temperature: 0, echo: true, logprobs: 2,
  });
  assert.equal(echoed.choices[0].text, 'The quick brown fox' + r.choices[0].text);
  assert.equal(echoed.choices[0].logprobs.tokens.length, echoed.usage.completion_tokens);
  const two = await client.completions.create({ model: MODEL, prompt: ['one', 'two'], max_tokens: 3, temperature: 0 });
  assert.deepEqual(two.choices.map((c) => c.index), [0, 1]);
  await expectApiError(client.completions.create({ model: MODEL, prompt: 'x', suffix: 'y' }), 400,
    (e) => assert.equal(e.param, 'suffix'));
});

test('stop strings cut the answer before them', async () => {
  const free = await client.chat.completions.create(chat({ max_tokens: 24 }));
  const text = free.choices[0].message.content;
  // A stop string of whole characters from the middle of the free answer.
  const chars = [...text];
  assert.ok(chars.length >= 6, `answer too short: ${JSON.stringify(text)}`);
  const stop = chars.slice(3, 5).join('');
  const cut = await client.chat.completions.create(chat({ max_tokens: 24, stop: [stop] }));
  assert.equal(cut.choices[0].message.content, text.slice(0, text.indexOf(stop)));
  assert.equal(cut.choices[0].finish_reason, 'stop');
});

test('a seed reproduces a sampled answer; n gives that many choices', async () => {
  const sampled = (seed) => client.chat.completions.create(chat({ temperature: 1, seed, max_tokens: 16 }));
  const [a, b] = await Promise.all([sampled(7), sampled(7)]);
  assert.equal(a.choices[0].message.content, b.choices[0].message.content);
  const several = await client.chat.completions.create(chat({ temperature: 1, seed: 7, n: 3, max_tokens: 8 }));
  assert.deepEqual(several.choices.map((c) => c.index), [0, 1, 2]);
});

test('every error class has its status and an OpenAI error object', async () => {
  await expectApiError(client.chat.completions.create(chat({ model: 'gpt-4o' })), 404,
    (e) => assert.equal(e.code, 'model_not_found'));
  await expectApiError(client.chat.completions.create(chat({ temperature: 5 })), 400,
    (e) => assert.equal(e.param, 'temperature'));
  await expectApiError(client.chat.completions.create(chat({ max_tokens: 'many' })), 400,
    (e) => assert.equal(e.param, 'max_tokens'));
  await expectApiError(client.chat.completions.create(chat({ messages: [] })), 400,
    (e) => assert.equal(e.param, 'messages'));
  await expectApiError(client.chat.completions.create(chat({ max_tokens: 1000000 })), 400, (e) => {
    assert.equal(e.code, 'context_length_exceeded');
    assert.match(e.message, /\d+ prompt tokens \+ 1000000 max_tokens exceed .* \d+ tokens/);
  });
  const json = { 'content-type': 'application/json' };
  const malformed = await raw('/v1/chat/completions', { method: 'POST', headers: json, body: '{"model": ' });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.json.error.type, 'invalid_request_error');
  const big = await raw('/v1/chat/completions', { method: 'POST', headers: json, body: 'x'.repeat(5 * 1024 * 1024) });
  assert.equal(big.status, 413);
  assert.equal(big.json.error.code, 'body_too_large');
  const form = await raw('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
  assert.equal(form.status, 415);
  const get = await raw('/v1/chat/completions', { method: 'GET' });
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
  const missing = await raw('/v2/nothing', { method: 'GET' });
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, 'not_found');
  const unknownField = await client.chat.completions.create(chat({ some_future_field: { a: 1 } }));
  assert.equal(unknownField.object, 'chat.completion', 'unknown fields are ignored');
});

test('the simple /chat API answers with {response}', async () => {
  const r = await raw('/chat', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'hello', max_tokens: 4 }) });
  assert.equal(r.status, 200);
  assert.equal(typeof r.json.response, 'string');
});

test('a client that disconnects mid-stream cancels its generation', async () => {
  const controller = new AbortController();
  const stream = await client.chat.completions.create(chat({ stream: true, max_tokens: 1900, ignore_eos: true }), { signal: controller.signal });
  let seen = 0;
  for await (const _ of stream) {
    if (++seen === 3) {
      controller.abort();  // closes the connection
      break;
    }
  }
  const deadline = Date.now() + 10000;
  let running = -1;
  while (Date.now() < deadline) {
    const m = await raw('/metrics', { method: 'GET' });
    running = Number(/^citadel_running_sequences (\S+)$/m.exec(m.text)[1]);
    if (running === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(running, 0, 'the generation must stop once its client is gone');
});

test('health, readiness and metrics (promtool accepts them)', async () => {
  assert.equal((await raw('/healthz', { method: 'GET' })).status, 200);
  assert.equal((await raw('/readyz', { method: 'GET' })).status, 200);
  const m = await raw('/metrics', { method: 'GET' });
  assert.equal(m.status, 200);
  for (const name of ['citadel_requests_total', 'citadel_time_to_first_token_seconds_bucket', 'citadel_kv_blocks_capacity',
    'citadel_prefix_cache_hit_rate', 'citadel_queue_depth', 'citadel_completion_tokens_total']) {
    assert.match(m.text, new RegExp(`^${name}`, 'm'));
  }
  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: m.text, encoding: 'utf8' });
  // Not a skip: a missing promtool would let a broken exposition format pass unnoticed.
  assert.equal(promtool.error, undefined, 'promtool must be installed (Debian package prometheus; scripts/setup.sh)');
  assert.equal(promtool.status, 0, `promtool: ${promtool.stdout}${promtool.stderr}`);
});

test('SIGTERM: the server drains and exits 0', async () => {
  const inflight = client.chat.completions.create(chat({ max_tokens: 40 }));
  await new Promise((r) => setTimeout(r, 20));
  const exited = new Promise((resolve) => server.on('exit', (code) => resolve(code)));
  server.kill('SIGTERM');
  const answer = await inflight;  // accepted before the signal: it completes
  assert.equal(answer.object, 'chat.completion');
  assert.equal(await exited, 0, stderr);
});
