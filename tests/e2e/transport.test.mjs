// The server under pressure and abuse: a full queue (429 + Retry-After), a client leaving
// mid-stream (its generation cancelled), graceful shutdown, and a corpus of malformed HTTP that
// must get a 4xx or a closed connection — never a crash or a hang.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import OpenAI from 'openai';
import { makeWorkspace, startServer, metrics, metricValue, MODEL_ID } from './harness.mjs';

let workspace;
before(() => { workspace = makeWorkspace('demo'); });
after(() => workspace?.cleanup());

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const longChat = (client, extra = {}) => client.chat.completions.create({
  model: MODEL_ID, messages: [{ role: 'user', content: 'Tell me everything' }], max_tokens: 1500, temperature: 1, seed: 1,
  ...extra,
});

// Sends raw bytes, then collects what comes back until the server closes or `ms` pass.
function rawExchange(port, chunks, { ms = 5000, pauseMs = 0 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0), done = false;
    const finish = (how) => { if (!done) { done = true; clearTimeout(timer); socket.destroy(); resolve({ how, text: data.toString('latin1') }); } };
    const timer = setTimeout(() => finish('timeout'), ms);
    socket.on('data', (d) => { data = Buffer.concat([data, d]); });
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('closed'));
    socket.on('connect', async () => {
      for (const c of chunks) {
        if (socket.destroyed) break;
        socket.write(c);
        if (pauseMs) await sleep(pauseMs);
      }
    });
  });
}

const statuses = (text) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

test('a full queue answers 429 with Retry-After; the rest complete', async () => {
  const server = await startServer(workspace, '[engine]\nparallel = 1\nmax_queue = 1\n');
  try {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => longChat(client, { max_tokens: 200 })));
    const rejected = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
    assert.ok(rejected.length >= 1, 'some requests hit the full queue');
    for (const e of rejected) {
      assert.ok(e instanceof OpenAI.RateLimitError, `${e?.constructor?.name}: ${e?.message}`);
      assert.equal(e.status, 429);
      assert.equal(e.headers['retry-after'], '1');
      assert.equal(e.code, 'rate_limit_exceeded');
    }
    assert.ok(results.some((r) => r.status === 'fulfilled'), 'admitted requests complete');
  } finally {
    assert.deepEqual(await server.stop(), { code: 0, signal: null });
  }
});

test('a client that disconnects mid-stream cancels its generation', async () => {
  const server = await startServer(workspace, '[engine]\nparallel = 1\n');
  try {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const stream = await longChat(client, { stream: true, max_tokens: 2000 });
    let chunks = 0;
    for await (const chunk of stream) {
      assert.ok(chunk);
      if (++chunks === 3) { stream.controller.abort(); break; }
    }
    let text = '';
    for (let i = 0; i < 100; i++) {  // the cancel shows up within a step or two
      text = await metrics(server);
      if (metricValue(text, 'citadel_client_disconnect_cancels_total') >= 1 && metricValue(text, 'citadel_running_sequences') === 0) break;
      await sleep(50);
    }
    assert.equal(metricValue(text, 'citadel_client_disconnect_cancels_total'), 1);
    assert.equal(metricValue(text, 'citadel_running_sequences'), 0);
    assert.ok(metricValue(text, 'citadel_completion_tokens_total') < 2000, 'it did not run to its end');
  } finally {
    assert.deepEqual(await server.stop(), { code: 0, signal: null });
  }
});

test('SIGTERM lets an in-flight stream finish, refuses new work, exits 0', async () => {
  const server = await startServer(workspace, '[server]\nshutdown_timeout = 20\n');
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'x', maxRetries: 0 });
  const stream = await longChat(client, { stream: true, max_tokens: 300, stream_options: { include_usage: true } });
  const iterator = stream[Symbol.asyncIterator]();
  await iterator.next();  // the generation is running
  server.proc.kill('SIGTERM');
  let usage = null, finish = null;
  for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
    if (r.value.usage) usage = r.value.usage;
    for (const c of r.value.choices) finish = c.finish_reason ?? finish;
  }
  assert.ok(['length', 'stop'].includes(finish), `finished normally (${finish})`);  // random weights may emit EOS
  assert.ok(usage.completion_tokens > 0 && usage.completion_tokens <= 300);
  assert.deepEqual(await server.exited, { code: 0, signal: null });
  await assert.rejects(fetch(`${server.url}/healthz`), 'the listener is closed');
});

test('SIGTERM past the shutdown timeout cancels in-flight work and still exits 0', async () => {
  const server = await startServer(workspace, '[server]\nshutdown_timeout = 0.2\n[engine]\nmax_context = 2048\n');
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'x', maxRetries: 0 });
  const stream = await longChat(client, { stream: true, max_tokens: 2000 });
  const iterator = stream[Symbol.asyncIterator]();
  await iterator.next();
  const started = Date.now();
  server.proc.kill('SIGTERM');
  const drained = (async () => { try { for (let r = await iterator.next(); !r.done; r = await iterator.next()); } catch { /* cut off */ } })();
  assert.deepEqual(await server.exited, { code: 0, signal: null });
  await drained;
  assert.ok(Date.now() - started < 10000);
});

test('malformed HTTP gets 4xx or a closed connection, and the server lives on', async () => {
  const server = await startServer(workspace, '[server]\nidle_timeout = 1\nread_timeout = 1\nmax_header_size = "8KiB"\nmax_body_size = "16KiB"\n');
  try {
    const body = '{"model":"citadel-test","messages":[{"role":"user","content":"hi"}],"max_tokens":1}';
    const post = (extra, payload = body) => `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}\r\n${payload}`;
    const corpus = {
      'garbage request line': ['GARBAGE\r\n\r\n'],
      'bad version': ['GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n'],
      'no version': ['GET /healthz\r\n\r\n'],
      'control bytes in the target': ['GET /he\x01\x7flthz HTTP/1.1\r\n\r\n'],
      'header without a colon': ['GET /healthz HTTP/1.1\r\nHost x\r\n\r\n'],
      'NUL in a header': ['GET /healthz HTTP/1.1\r\nHost: a\x00b\r\n\r\n'],
      'huge header': [`GET /healthz HTTP/1.1\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`],
      'many headers': [`GET /healthz HTTP/1.1\r\n${Array.from({ length: 2000 }, (_, i) => `X-${i}: y\r\n`).join('')}\r\n`],
      'chunk size not hex': [post('Transfer-Encoding: chunked\r\n', 'zz\r\nabc\r\n0\r\n\r\n')],
      'chunk size overflow': [post('Transfer-Encoding: chunked\r\n', 'ffffffffffffffffff\r\nabc\r\n0\r\n\r\n')],
      'chunks beyond the body limit': [post('Transfer-Encoding: chunked\r\n', `${(20000).toString(16)}\r\n${'a'.repeat(20000)}\r\n0\r\n\r\n`)],
      'chunk without terminator': [post('Transfer-Encoding: chunked\r\n', '5\r\nabcdefghij\r\n0\r\n\r\n')],
      'both Content-Length and chunked': [post('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n')],
      'negative Content-Length': [post('Content-Length: -5\r\n', '')],
      'two Content-Lengths': [post('Content-Length: 3\r\nContent-Length: 4\r\n', 'abcd')],
      'Content-Length over the limit': [post('Content-Length: 999999999\r\n', '')],
      'invalid UTF-8 body': [post('Content-Length: 8\r\n', '{"\xff\xfe":1}')],
      'truncated body': [post(`Content-Length: ${body.length + 10}\r\n`)],
      'slowloris headers': ['GET /healthz HTTP/1.1\r\n', 'X-a: 1\r\n', 'X-b: 1\r\n', 'X-c: 1\r\n', 'X-d: 1\r\n', 'X-e: 1\r\n'],
    };
    for (const [name, chunks] of Object.entries(corpus)) {
      const opts = name === 'slowloris headers' ? { pauseMs: 400, ms: 8000 } : {};
      const bytes = chunks.map((c) => Buffer.from(c, 'latin1'));
      const r = await rawExchange(server.port, bytes, opts);
      assert.notEqual(r.how, 'timeout', `${name}: the server neither answered nor closed`);
      for (const s of statuses(r.text)) assert.ok(s >= 400 && s < 500, `${name}: status ${s}\n${r.text.slice(0, 300)}`);
    }
    // Pipelining: 100 requests in one write get 100 answers, in order.
    const many = Array.from({ length: 100 }, () => 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n').join('') +
      'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    const piped = await rawExchange(server.port, [Buffer.from(many)]);
    assert.equal(piped.how, 'closed');
    assert.deepEqual(statuses(piped.text), Array(101).fill(200));
    // An idle keep-alive connection is closed after idle_timeout.
    const idle = await rawExchange(server.port, [Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')], { ms: 5000 });
    assert.equal(idle.how, 'closed');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'still serving');
  } finally {
    assert.deepEqual(await server.stop(), { code: 0, signal: null });
  }
});

test('connections beyond max_connections get 503', async () => {
  const server = await startServer(workspace, '[server]\nmax_connections = 2\nidle_timeout = 5\n');
  try {
    const open = [net.connect(server.port, '127.0.0.1'), net.connect(server.port, '127.0.0.1')];
    await Promise.all(open.map((s) => new Promise((r) => s.on('connect', r))));
    await sleep(100);
    const r = await rawExchange(server.port, [Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')]);
    assert.deepEqual(statuses(r.text), [503]);
    open.forEach((s) => s.destroy());
    await sleep(100);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  } finally {
    assert.deepEqual(await server.stop(), { code: 0, signal: null });
  }
});

test('config errors name the key; config check', async () => {
  const { spawnSync } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const bad = join(workspace.dir, 'bad.toml');
  writeFileSync(bad, `[model]\npath = "${workspace.model}"\n[server]\nprot = 80\n`);
  let r = spawnSync(process.env.CITADEL_BINARY, ['config', 'check', bad], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /server\.prot: unknown key/);
  writeFileSync(bad, `[model]\npath = "${workspace.model}"\n[server]\nport = 70000\n`);
  r = spawnSync(process.env.CITADEL_BINARY, ['serve', '--config', bad], { encoding: 'utf8', timeout: 10000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /server\.port: 70000 is outside/);
  const good = join(workspace.dir, 'good.toml');
  writeFileSync(good, `[model]\npath = "m.gguf"\n[engine]\nkv_memory = "512MiB"\n`);
  r = spawnSync(process.env.CITADEL_BINARY, ['config', 'check', good], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
