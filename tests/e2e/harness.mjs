// Starting and stopping the real `citadel serve` for the end-to-end tests: a generated model in a
// temporary directory, a config file, port 0, and the address the server prints. CITADEL_BINARY and
// CITADEL_GEN_MODEL_BINARY name the binaries (CTest sets them); a missing one fails the test.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const citadel = process.env.CITADEL_BINARY;
const generator = process.env.CITADEL_GEN_MODEL_BINARY;
assert.ok(citadel && existsSync(citadel), 'CITADEL_BINARY must name the citadel binary');
assert.ok(generator && existsSync(generator), 'CITADEL_GEN_MODEL_BINARY must name citadel-gen-model');

// A temporary directory with a random-weight llama of the generator's `preset`, served as `id`.
export function makeModel(id, preset = 'tiny') {
  const dir = mkdtempSync(path.join(tmpdir(), 'citadel-e2e-'));
  const file = path.join(dir, `${id}.gguf`);
  execFileSync(generator, ['--arch', 'llama', '--preset', preset, '--type', 'Q8_0', '--out', file]);
  return { dir, file, id, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// Starts `citadel serve` on the model with `toml` as its config file (plus `args`), and resolves
// once it prints its address. `wrap` runs it through sh after a prefix, e.g. 'ulimit -f 256; exec'.
export async function startServer(model, toml = '', args = [], { wrap } = {}) {
  const config = path.join(model.dir, `citadel-${process.hrtime.bigint()}.toml`);
  writeFileSync(config, toml);
  const argv = ['serve', '-m', model.file, '--config', config, '--port', '0', '-t', '1', ...args];
  const quote = (a) => `'${a.replaceAll("'", "'\\''")}'`;
  const proc = wrap
    ? spawn('sh', ['-c', `${wrap} ${[citadel, ...argv].map(quote).join(' ')}`], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(citadel, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within 30 s: ${stderr}`)), 30000);
    proc.stderr.on('data', (d) => {
      stderr += d;
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`server exited with ${code}: ${stderr}`)); });
  });
  return {
    base,
    port: Number(new URL(base).port),
    proc,
    exited,
    stderr: () => stderr,
    // SIGTERM and the exit status; SIGKILL and an error when it does not exit within `ms`.
    async stop(ms = 20000) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      let timer;
      const result = await Promise.race([exited, new Promise((r) => { timer = setTimeout(() => r(null), ms); })]);
      clearTimeout(timer);
      if (result === null) {
        proc.kill('SIGKILL');
        throw new Error(`no exit within ${ms} ms of SIGTERM: ${stderr}`);
      }
      return result;
    },
  };
}

// The value of an unlabelled metric.
export async function metric(server, name) {
  const text = await (await fetch(`${server.base}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  assert.ok(m, `${name} missing from /metrics`);
  return Number(m[1]);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
