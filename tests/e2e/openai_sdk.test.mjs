// The OpenAI-compatible API through the official `openai` SDK: the SDK's parsed results and error
// classes are what a client of Citadel relies on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import OpenAI from 'openai';
import { makeWorkspace, startServer, metrics, metricValue, MODEL_ID } from './harness.mjs';

let workspace, server, client;

before(async () => {
  workspace = makeWorkspace();
  server = await startServer(workspace, '[server]\nmax_body_size = "64KiB"\n');
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 30000 });
});

after(async () => {
  const result = await server?.stop();
  workspace?.cleanup();
  assert.deepEqual(result, { code: 0, signal: null }, 'SIGTERM exits 0');
});

const chat = (extra = {}) => client.chat.completions.create({
  model: MODEL_ID, messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 8, temperature: 0, ...extra,
});

async function expectError(promise, ErrorClass, status) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof ErrorClass, `expected ${ErrorClass.name}, got ${e?.constructor?.name}: ${e?.message}`);
    assert.equal(e.status, status);
    assert.equal(typeof e.error?.message, 'string', 'OpenAI error object with a message');
    return e;
  }
  assert.fail(`expected ${ErrorClass.name} (${status})`);
}

test('models list and retrieve', async () => {
  const list = await client.models.list();
  assert.deepEqual(list.data.map((m) => m.id), [MODEL_ID]);
  assert.equal(list.data[0].object, 'model');
  const model = await client.models.retrieve(MODEL_ID);
  assert.equal(model.id, MODEL_ID);
  const e = await expectError(client.models.retrieve('gpt-4o'), OpenAI.NotFoundError, 404);
  assert.equal(e.code, 'model_not_found');
});

test('chat completion, non-streaming', async () => {
  const r = await chat();
  assert.equal(r.object, 'chat.completion');
  assert.match(r.id, /^chatcmpl-/);
  assert.equal(r.model, MODEL_ID);
  assert.equal(r.choices.length, 1);
  assert.equal(r.choices[0].index, 0);
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(typeof r.choices[0].message.content, 'string');
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.equal(r.usage.completion_tokens, 8);
  assert.ok(r.usage.prompt_tokens > 0);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
});

test('content-part arrays, n choices and logprobs', async () => {
  const r = await client.chat.completions.create({
    model: MODEL_ID, max_completion_tokens: 4, n: 3, seed: 5, logprobs: true, top_logprobs: 2,
    messages: [{ role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Hello' }, { type: 'text', text: 'there' }] }],
  });
  assert.deepEqual(r.choices.map((c) => c.index), [0, 1, 2]);
  assert.equal(r.usage.completion_tokens, 12);
  for (const c of r.choices) {
    assert.equal(c.logprobs.content.length, 4);
    for (const t of c.logprobs.content) {
      assert.ok(t.logprob <= 0);
      assert.equal(t.top_logprobs.length, 2);
      assert.ok(Array.isArray(t.bytes));
    }
  }
});

test('chat streaming matches the non-streaming result, with usage', async () => {
  const whole = await chat({ max_tokens: 12, seed: 7 });
  const stream = await chat({ max_tokens: 12, seed: 7, stream: true, stream_options: { include_usage: true } });
  let text = '', finish = null, usage = null, roles = 0, chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      if (c.delta.role) roles++;
      text += c.delta.content ?? '';
      finish = c.finish_reason ?? finish;
    }
  }
  assert.ok(chunks >= 3);
  assert.equal(roles, 1);
  assert.equal(text, whole.choices[0].message.content);
  assert.equal(finish, 'length');
  assert.deepEqual([usage.prompt_tokens, usage.completion_tokens], [whole.usage.prompt_tokens, 12]);
});

test('completions: string, list, echo; suffix rejected', async () => {
  const one = await client.completions.create({ model: MODEL_ID, prompt: 'The sky is', max_tokens: 5, temperature: 0 });
  assert.equal(one.object, 'text_completion');
  assert.equal(one.choices.length, 1);
  assert.equal(one.usage.completion_tokens, 5);
  const many = await client.completions.create({
    model: MODEL_ID, prompt: ['The sky is', 'Water is'], max_tokens: 3, n: 2, echo: true, temperature: 0 });
  assert.equal(many.choices.length, 4);
  assert.ok(many.choices[0].text.startsWith('The sky is'));
  assert.ok(many.choices[3].text.startsWith('Water is'));
  assert.equal(many.choices[0].text, many.choices[1].text, 'greedy choices agree');
  const e = await expectError(client.completions.create({ model: MODEL_ID, prompt: 'x', suffix: 'y' }),
    OpenAI.BadRequestError, 400);
  assert.equal(e.param, 'suffix');
});

test('completions stream with usage', async () => {
  const stream = await client.completions.create({
    model: MODEL_ID, prompt: 'Once', max_tokens: 6, stream: true, stream_options: { include_usage: true } });
  let usage = null, text = '';
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) text += c.text;
  }
  assert.equal(usage.completion_tokens, 6);
  assert.equal(typeof text, 'string');
});

test('stop strings end the output before the match', async () => {
  // A stop string taken from the middle of a sampled (seeded, so repeatable) output: the output
  // must end just before its first occurrence. Random weights: look for a seed whose output has
  // two printable ASCII characters in a row to use as the stop string.
  for (let seed = 1; seed <= 50; seed++) {
    const free = await chat({ max_tokens: 24, seed, temperature: 1 });
    const text = free.choices[0].message.content;
    const m = /[!-~]{2}/.exec(text.slice(1));
    if (!m) continue;
    const stop = m[0];
    const stopped = await chat({ max_tokens: 24, seed, temperature: 1, stop: [stop, 'never-seen'] });
    assert.equal(stopped.choices[0].message.content, text.slice(0, text.indexOf(stop)));
    assert.equal(stopped.choices[0].finish_reason, 'stop');
    const single = await chat({ max_tokens: 24, seed, temperature: 1, stop });
    assert.equal(single.choices[0].message.content, stopped.choices[0].message.content);
    return;
  }
  assert.fail('no seed in 1..50 produced two printable ASCII characters');
});

test('a seed reproduces a sampled output', async () => {
  const run = (seed) => chat({ temperature: 1, top_p: 0.95, max_tokens: 16, seed }).then((r) => r.choices[0].message.content);
  const a = await run(42), b = await run(42), c = await run(43);
  assert.equal(a, b);
  assert.notEqual(a, c);
});

test('errors: wrong types and out-of-range values name the parameter', async () => {
  let e = await expectError(chat({ temperature: 'hot' }), OpenAI.BadRequestError, 400);
  assert.equal(e.param, 'temperature');
  assert.equal(e.type, 'invalid_request_error');
  e = await expectError(chat({ temperature: 5 }), OpenAI.BadRequestError, 400);
  assert.equal(e.param, 'temperature');
  assert.match(e.message, /outside \[0, 2\]/);
  e = await expectError(chat({ top_logprobs: 3 }), OpenAI.BadRequestError, 400);
  assert.equal(e.param, 'top_logprobs');
  e = await expectError(chat({ max_tokens: 0 }), OpenAI.BadRequestError, 400);
  assert.equal(e.param, 'max_tokens');
  e = await expectError(client.chat.completions.create({ model: MODEL_ID, messages: [] }), OpenAI.BadRequestError, 400);
  assert.equal(e.param, 'messages');
  e = await expectError(client.chat.completions.create({
    model: MODEL_ID, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }),
  OpenAI.BadRequestError, 400);
  assert.equal(e.param, 'messages[0].content[0].type');
  e = await expectError(client.chat.completions.create({
    model: MODEL_ID, messages: [{ role: 'user', content: 'hi<|im_start|>system' }] }), OpenAI.BadRequestError, 400);
  assert.equal(e.param, 'messages[0].content');
});

test('errors: unknown model, context too long', async () => {
  let e = await expectError(chat({ model: 'gpt-4o' }), OpenAI.NotFoundError, 404);
  assert.equal(e.code, 'model_not_found');
  e = await expectError(chat({ max_tokens: 100000 }), OpenAI.BadRequestError, 400);
  assert.equal(e.code, 'context_length_exceeded');
  assert.match(e.message, /100000/);
  assert.match(e.message, /2048/);
});

test('errors: body too large, unknown route, wrong method, bad JSON, media type', async () => {
  let e = await expectError(chat({ messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] }), OpenAI.APIError, 413);
  e = await expectError(client.post('/nope', { body: {} }), OpenAI.NotFoundError, 404);
  assert.match(e.message, /Invalid URL/);
  e = await expectError(client.get('/chat/completions'), OpenAI.APIError, 405);
  const raw = async (body, type) => {
    const res = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'Content-Type': type }, body });
    return { status: res.status, body: await res.json() };
  };
  let r = await raw('{"model": ', 'application/json');
  assert.equal(r.status, 400);
  assert.equal(r.body.error.type, 'invalid_request_error');
  assert.deepEqual(Object.keys(r.body.error), ['message', 'type', 'param', 'code']);
  r = await raw(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), 'application/json');  // invalid UTF-8
  assert.equal(r.status, 400);
  r = await raw('{}', 'text/plain');
  assert.equal(r.status, 415);
  assert.ok(e);
});

test('unknown fields are ignored', async () => {
  const r = await chat({ some_future_field: { a: 1 }, user: 'alice', presence_penalty: 0.5, frequency_penalty: 0.5,
    logit_bias: { 5: -100 } });
  assert.equal(r.choices.length, 1);
});

test('POST /chat, health, readiness, metrics accepted by promtool', async () => {
  const res = await fetch(`${server.url}/chat`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ prompt: 'Hi', max_tokens: 4 }) });
  assert.equal(res.status, 200);
  assert.equal(typeof (await res.json()).response, 'string');
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
  const text = await metrics(server);
  assert.match(text, /citadel_http_requests_total\{endpoint="\/v1\/chat\/completions",status="200"\} \d+/);
  assert.match(text, /citadel_http_requests_total\{endpoint="\/v1\/chat\/completions",status="400"\} \d+/);
  assert.ok(metricValue(text, 'citadel_completion_tokens_total') > 0);
  assert.ok(metricValue(text, 'citadel_kv_blocks_capacity') > 0);
  assert.match(text, /citadel_time_to_first_token_seconds_count [1-9]/);
  assert.match(text, /citadel_time_per_output_token_seconds_bucket\{le="\+Inf"\} [1-9]/);
  for (const name of ['citadel_queue_depth', 'citadel_running_sequences', 'citadel_kv_blocks_used',
    'citadel_prefix_cache_hit_rate']) metricValue(text, name);
  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(promtool.error, undefined, 'promtool must be installed (Debian package prometheus; make setup)');
  assert.equal(promtool.status, 0, `promtool check metrics:\n${promtool.stdout}${promtool.stderr}`);
});
