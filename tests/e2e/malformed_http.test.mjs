// Hostile HTTP against the real `citadel serve` over raw sockets: bad request lines, oversized
// headers, chunked-encoding abuse, invalid UTF-8, truncated bodies, a slowloris client and 10,000
// pipelined requests. Each gets a 4xx or a closed connection, never a crash or a hang, and the
// server still answers afterwards.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';

const citadel = process.env.CITADEL_BINARY;
const generator = process.env.CITADEL_GEN_MODEL_BINARY;
assert.ok(citadel && generator, 'CITADEL_BINARY and CITADEL_GEN_MODEL_BINARY must be set');

const dir = mkdtempSync(path.join(tmpdir(), 'citadel-http-'));
const config = path.join(dir, 'citadel.toml');
let server, port, stderr = '';

before(async () => {
  const model = path.join(dir, 'm.gguf');
  execFileSync(generator, ['--arch', 'llama', '--preset', 'tiny', '--type', 'Q8_0', '--out', model]);
  // Short timeouts so the slow-client cases finish quickly.
  execFileSync('sh', ['-c', `printf '[server]\\nread_timeout_seconds = 2\\nidle_timeout_seconds = 2\\nmax_header_bytes = 8192\\nmax_body_bytes = 65536\\n' > ${config}`]);
  server = spawn(citadel, ['serve', '-m', model, '--config', config, '--port', '0', '-t', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(stderr)), 30000);
    server.stderr.on('data', (d) => {
      stderr += d;
      const m = /127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
  });
});

after(() => {
  if (server.exitCode === null) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

// Sends raw bytes (optionally in timed pieces) and collects everything until the server closes
// or `ms` pass. Resolves {data, closed}.
function exchange(pieces, ms = 5000, gap = 0) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    let closed = false;
    const timer = setTimeout(() => { socket.destroy(); resolve({ data, closed }); }, ms);
    socket.on('data', (d) => { data += d.toString('latin1'); });
    socket.on('error', () => {});
    socket.on('close', () => { closed = true; clearTimeout(timer); resolve({ data, closed }); });
    socket.on('connect', async () => {
      for (const p of [].concat(pieces)) {
        if (socket.destroyed) break;
        socket.write(p);
        if (gap) await new Promise((r) => setTimeout(r, gap));
      }
    });
  });
}

const status = (data) => Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);

async function stillServing() {
  const r = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(r.status, 200);
  assert.equal(server.exitCode, null, stderr);
}

test('bad request lines get 400 or a closed connection', async () => {
  for (const line of ['GARBAGE\r\n\r\n', 'GET\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'GET /\x00 HTTP/1.1\r\n\r\n',
    '\r\n\r\n\r\n', 'POST /v1/chat/completions HTTP/1.1\r\nContent-Length: -5\r\n\r\n',
    'POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 10\r\nContent-Length: 20\r\n\r\n']) {
    const r = await exchange(line);
    assert.ok(status(r.data) === 400 || (r.data === '' && r.closed), `${JSON.stringify(line)} -> ${r.data.slice(0, 80)}`);
  }
  await stillServing();
});

test('oversized headers get 431 and oversized bodies 413', async () => {
  const huge = await exchange(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
  assert.equal(status(huge.data), 431);
  const body = await exchange(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(100000)}`);
  assert.equal(status(body.data), 413);
  await stillServing();
});

test('chunked-encoding abuse is refused', async () => {
  const head = 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
  for (const chunks of ['zz\r\nhello\r\n0\r\n\r\n', 'ffffffffffffffffffff\r\n', '5\r\nhelloEXTRA\r\n0\r\n\r\n',
    `${(200000).toString(16)}\r\n${'a'.repeat(70000)}`]) {
    const r = await exchange(head + chunks, 4000);
    assert.ok([400, 413].includes(status(r.data)) || (r.data === '' && r.closed), `${chunks.slice(0, 20)} -> ${r.data.slice(0, 80)}`);
  }
  await stillServing();
});

test('invalid UTF-8 in a JSON body is a 400 with an OpenAI error', async () => {
  const body = Buffer.concat([Buffer.from('{"model":"m","messages":[{"role":"user","content":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}]}')]);
  const r = await exchange([Buffer.from(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
  assert.equal(status(r.data), 400);
  assert.match(r.data, /"error":\{"message":/);
  await stillServing();
});

test('a truncated body and a slowloris client are dropped after the read timeout', async () => {
  const started = Date.now();
  const truncated = await exchange('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"model":', 8000);
  assert.ok(truncated.closed, 'the server must close a connection whose body never arrives');
  const pieces = 'GET /healthz HTTP/1.1\r\nHost: x\r\n'.split('');
  const slow = await exchange(pieces, 8000, 300);  // one byte every 300 ms: 10 s for the request line
  assert.ok(slow.closed && status(slow.data) === 0, 'a slowloris client is cut off before finishing its headers');
  assert.ok(Date.now() - started < 12000);
  await stillServing();
});

test('10,000 pipelined requests on one connection are all answered in order', async () => {
  const count = 10000;
  const request = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
  const r = await new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '', answered = 0;
    const timer = setTimeout(() => { socket.destroy(); resolve({ answered }); }, 30000);
    socket.on('data', (d) => {
      data += d.toString('latin1');
      answered = (data.match(/HTTP\/1\.1 200/g) || []).length;
      if (answered === count) { clearTimeout(timer); socket.destroy(); resolve({ answered }); }
    });
    socket.on('error', () => {});
    socket.on('connect', () => socket.write(request.repeat(count)));
  });
  assert.equal(r.answered, count);
  await stillServing();
});
