// Starts the real citadel binary on 127.0.0.1 with port 0 and a tiny generated model, and stops
// it. CITADEL_BINARY and CITADEL_GEN_MODEL_BINARY name the binaries (CTest sets them); a missing
// binary, model or dependency fails the test rather than skipping it.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

export const MODEL_ID = 'citadel-test';

function requiredEnv(name) {
  const value = process.env[name];
  assert.ok(value, `${name} is not set: run through ctest, or export it`);
  assert.ok(existsSync(value), `${name}=${value} does not exist: build first`);
  return value;
}

// A temporary directory holding a random-weight llama (byte-level BPE, chat template) of the
// generator's preset: `tiny` is fastest; `demo` generates slowly enough to act mid-generation.
export function makeWorkspace(preset = 'tiny') {
  const dir = mkdtempSync(join(tmpdir(), 'citadel-e2e-'));
  const model = join(dir, `${MODEL_ID}.gguf`);
  execFileSync(requiredEnv('CITADEL_GEN_MODEL_BINARY'),
    ['--arch', 'llama', '--preset', preset, '--type', 'Q8_0', '--out', model], { stdio: 'pipe' });
  return { dir, model, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// Starts `citadel serve` with a config file built from `toml` (sections appended to the defaults
// here) and resolves once it prints its address.
export async function startServer(workspace, toml = '', extraArgs = []) {
  const config = join(workspace.dir, `citadel-${Date.now()}-${Math.random()}.toml`);
  writeFileSync(config, `[model]\npath = "${workspace.model}"\n${toml}\n`);
  const proc = spawn(requiredEnv('CITADEL_BINARY'),
    ['serve', '--config', config, '--port', '0', '--threads', '1', '--kv-memory', '32MiB', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${stderr}`)), 30000);
    proc.stderr.on('data', (chunk) => {
      stderr += chunk;
      const m = /listening on (http:\/\/[^\s]+)/.exec(stderr);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${stderr}`)); });
  });
  const server = {
    url,
    port: Number(new URL(url).port),
    proc,
    exited,
    stderr: () => stderr,
    // SIGTERM, then the exit status; SIGKILL (and a failure) if it does not exit in time.
    async stop(timeoutMs = 15000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      proc.kill('SIGTERM');
      let timer;
      const result = await Promise.race([exited, new Promise((r) => { timer = setTimeout(() => r(null), timeoutMs); })]);
      clearTimeout(timer);
      if (result === null) {
        proc.kill('SIGKILL');
        throw new Error(`server did not exit within ${timeoutMs} ms of SIGTERM:\n${stderr}`);
      }
      return result;
    },
  };
  return server;
}

export async function metrics(server) {
  const res = await fetch(`${server.url}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

// The value of an unlabelled metric line.
export function metricValue(text, name) {
  const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
  assert.ok(m, `metric ${name} missing in:\n${text}`);
  return Number(m[1]);
}
