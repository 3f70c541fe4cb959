// Backpressure and shutdown on the real `citadel serve` with small limits from a citadel.toml:
// a full engine queue answers 429 with Retry-After, connections beyond max_connections get 503,
// and SIGTERM with a request still generating past drain_seconds cancels it cleanly and exits 0.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';

const citadel = process.env.CITADEL_BINARY;
const generator = process.env.CITADEL_GEN_MODEL_BINARY;
assert.ok(citadel && generator, 'CITADEL_BINARY and CITADEL_GEN_MODEL_BINARY must be set');

const dir = mkdtempSync(path.join(tmpdir(), 'citadel-bp-'));
const model = path.join(dir, 'm.gguf');
execFileSync(generator, ['--arch', 'llama', '--preset', 'tiny', '--type', 'Q8_0', '--out', model]);
const servers = [];

after(() => {
  for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function start(toml) {
  const config = path.join(dir, `c${servers.length}.toml`);
  writeFileSync(config, toml);
  const server = spawn(citadel, ['serve', '-m', model, '--model-id', 'm', '--config', config, '--port', '0', '-t', '1'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  servers.push(server);
  let stderr = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(stderr)), 30000);
    server.stderr.on('data', (d) => {
      stderr += d;
      const m = /127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
  });
  return { server, base: `http://127.0.0.1:${port}`, port, log: () => stderr };
}

const long = (extra = {}) => JSON.stringify({ model: 'm', prompt: 'go', max_tokens: 1500, ignore_eos: true, ...extra });
const post = (base, body, signal) => fetch(`${base}/v1/completions`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body, signal,
});

test('a full queue answers 429 with Retry-After and an OpenAI error', async () => {
  const { base } = await start('[engine]\nparallel = 1\nmax_queue = 1\n');
  // Six long requests at once: one runs, one waits, the rest find the queue full.
  const responses = await Promise.all(Array.from({ length: 6 }, () => post(base, long())));
  const refused = responses.filter((r) => r.status === 429);
  assert.ok(refused.length >= 3, `statuses: ${responses.map((r) => r.status)}`);
  assert.equal(responses.filter((r) => r.status === 200).length + refused.length, 6);
  assert.equal(refused[0].headers.get('retry-after'), '1');
  const body = await refused[0].json();
  assert.equal(body.error.type, 'rate_limit_error');
  assert.equal(body.error.code, 'queue_full');
  await Promise.all(responses.filter((r) => r !== refused[0]).map((r) => r.text()));
});

test('connections beyond max_connections get 503 and are closed', async () => {
  const { port, base } = await start('[server]\nmax_connections = 2\n');
  const open = [];
  for (let i = 0; i < 2; i++) {
    const s = net.connect(port, '127.0.0.1');
    await new Promise((r) => s.on('connect', r));
    open.push(s);
  }
  await new Promise((r) => setTimeout(r, 100));
  const third = await new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    s.on('data', (d) => { data += d; });
    s.on('close', () => resolve(data));
    s.on('error', () => {});
  });
  assert.match(third, /^HTTP\/1\.1 503/);
  assert.match(third, /too_many_connections/);
  for (const s of open) s.destroy();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await fetch(`${base}/healthz`)).status, 200, 'capacity returns when connections close');
});

test('SIGTERM past drain_seconds cancels what still runs and exits 0', async () => {
  const { server, base, log } = await start('[server]\ndrain_seconds = 1\n[engine]\nparallel = 2\n');
  const whole = post(base, JSON.stringify({ model: 'm', prompt: 'go', max_tokens: 1900, ignore_eos: true }));
  const streamed = post(base, long({ stream: true }));
  const streamResponse = await streamed;
  assert.equal(streamResponse.status, 200);
  await new Promise((r) => setTimeout(r, 100));
  const started = Date.now();
  const exited = new Promise((resolve) => server.on('exit', (code) => resolve(code)));
  server.kill('SIGTERM');
  const answer = await whole;
  assert.ok([200, 503].includes(answer.status), `status ${answer.status}`);
  if (answer.status === 503) assert.equal((await answer.json()).error.code, 'cancelled');
  const text = await streamResponse.text();
  assert.match(text, /data: \[DONE\]\n\n$/, 'the stream ends cleanly');
  assert.equal(await exited, 0, log());
  assert.ok(Date.now() - started < 10000, 'exits within the drain deadline plus the cancel grace');
  assert.match(log(), /unfinished requests cancelled|all requests finished/);
});
