// The audit trail through the real `citadel serve`: every API request and security decision gets
// a record (allowed, denied, rate-limited, failed) with who, what and the outcome; GET /v1/audit
// for auditors (own tenant only unless allowed all); content kept by the role's policy and
// readable through `audit export`; fail-closed (a 2xx is never sent without a durable record: when
// the store cannot be written, requests get 503); and a SIGKILL in the middle of 1,000 concurrent
// requests leaves an intact chain holding every request that got a 200.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { citadel, makeModel, startServer } from './harness.mjs';

const model = makeModel('audit-model');
after(() => model.cleanup());

function setup(name, extraToml = '') {
  const dir = model.dir;
  const store = path.join(dir, `${name}-keys.db`);
  const db = path.join(dir, `${name}-audit.db`);
  const keyFile = path.join(dir, `${name}-audit.key`);
  execFileSync(citadel, ['audit', 'keygen', '--out', keyFile]);
  const toml = `
[auth]
api_keys = "${store}"
[audit]
store = "${db}"
key_file = "${keyFile}"
content = "none"
[roles.analyst]
endpoints = ["completions", "chat.completions"]
audit_policy = "full"
requests_per_minute = 1000000
[roles.auditor]
endpoints = ["audit"]
[roles.chief_auditor]
endpoints = ["audit"]
audit_all_tenants = true
${extraToml}`;
  const config = path.join(dir, `${name}.toml`);
  execFileSync('sh', ['-c', `cat > '${config}'`], { input: toml });
  const key = (tenant, role) => execFileSync(citadel, ['keys', 'create', '--config', config, '--tenant', tenant, '--role', role],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  return { store, db, keyFile, toml, key };
}

async function post(server, key, body, pathname = '/v1/completions') {
  const res = await fetch(`${server.base}${pathname}`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body),
  });
  return { status: res.status, id: res.headers.get('x-request-id'), text: await res.text() };
}
const completion = { model: 'audit-model', prompt: 'Once upon a time', max_tokens: 3, temperature: 0 };

async function auditQuery(server, key, query = '') {
  const res = await fetch(`${server.base}/v1/audit${query}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, json: await res.json() };
}

test('every request and decision is recorded, queryable by auditors, verifiable, exportable', async () => {
  const s = setup('main');
  const analyst = s.key('acme', 'analyst');
  const auditor = s.key('acme', 'auditor');
  const chief = s.key('hq', 'chief_auditor');
  const outsider = s.key('globex', 'analyst');
  const server = await startServer(model, s.toml);
  try {
    const ok = await post(server, analyst, completion);
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.id, /^req-[0-9a-f]{24}$/);
    const streamed = await fetch(`${server.base}/v1/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${analyst}` },
      body: JSON.stringify({ ...completion, stream: true }),
    });
    assert.equal(streamed.status, 200);
    await streamed.text();
    assert.equal((await post(server, 'ck_' + 'Z'.repeat(40), completion)).status, 401);
    assert.equal((await post(server, auditor, completion)).status, 403);
    assert.equal((await post(server, outsider, completion)).status, 200);

    const mine = await auditQuery(server, auditor);
    assert.equal(mine.status, 200);
    const records = mine.json.data;
    assert.ok(records.every((r) => r.tenant === 'acme'), 'an auditor sees only its own tenant');
    const decisions = records.map((r) => r.decision);
    assert.ok(decisions.includes('allowed') && decisions.includes('denied'), JSON.stringify(decisions));
    const okRecord = records.find((r) => r.request_id === ok.id);
    assert.ok(okRecord, 'the 200 has its record');
    assert.equal(okRecord.http_status, 200);
    assert.equal(okRecord.endpoint, 'completions');
    assert.equal(okRecord.model, 'audit-model');
    assert.equal(okRecord.completion_tokens, 3);
    assert.ok(okRecord.prompt_tokens > 0);
    assert.equal(okRecord.key_id, analyst.slice(0, 11));
    assert.equal(okRecord.client_ip, '127.0.0.1');
    const denied = records.find((r) => r.decision === 'denied');
    assert.match(denied.reason, /permission_denied/);
    assert.equal(records.filter((r) => r.reason === 'stream started').length, 1, 'a stream is recorded before it starts');

    assert.equal((await auditQuery(server, auditor, '?tenant=globex')).status, 403);
    const all = await auditQuery(server, chief, '?decision=denied');
    assert.ok(all.json.data.some((r) => r.reason.startsWith('invalid_api_key')), 'the chief auditor sees the unknown key');
    assert.ok(all.json.data.every((r) => r.decision === 'denied'));
    assert.equal((await auditQuery(server, analyst)).status, 403);
    assert.equal((await auditQuery(server, chief, '?since=yesterday')).status, 400);
  } finally {
    assert.equal((await server.stop()).code, 0);
  }
  const verify = spawnSync(citadel, ['audit', 'verify', '--db', s.db, '--key-file', s.keyFile], { encoding: 'utf8' });
  assert.equal(verify.status, 0, verify.stderr);
  assert.match(verify.stdout, /^intact: \d+ records/);
  const exported = execFileSync(citadel, ['audit', 'export', '--db', s.db, '--key-file', s.keyFile, '--subject', analyst.slice(0, 11)],
    { encoding: 'utf8' });
  assert.match(exported, /Once upon a time/, 'the role keeps full content, readable by export');
  const events = execFileSync(citadel, ['audit', 'query', '--db', s.db, '--json'], { encoding: 'utf8' });
  assert.match(events, /"kind":"key_created"/, 'creating keys is an audited administrative event');
});

test('fail-closed: when the trail cannot be written, requests get 503 and no 200 lacks its record', async () => {
  const s = setup('full');
  const analyst = s.key('acme', 'analyst');
  // A file-size limit (it binds root too) makes the audit database unwritable after a while.
  const server = await startServer(model, s.toml, [], { wrap: 'ulimit -f 256; exec' });
  const ok = [];
  let refused = null;
  try {
    for (let i = 0; i < 400 && !refused; i++) {
      const r = await post(server, analyst, { ...completion, prompt: 'x'.repeat(2000) });
      if (r.status === 200) ok.push(r.id);
      else refused = r;
    }
    assert.ok(refused, 'the store never filled up');
    assert.equal(refused.status, 503, refused.text);
    assert.equal(JSON.parse(refused.text).error.code, 'audit_unavailable');
    const again = await post(server, analyst, completion);
    assert.equal(again.status, 503);
  } finally {
    await server.stop();
  }
  assert.ok(ok.length > 0);
  const trail = execFileSync(citadel, ['audit', 'query', '--db', s.db, '--json'], { encoding: 'utf8' });
  for (const id of ok) assert.ok(trail.includes(id), `200 without a record: ${id}`);
  const verify = spawnSync(citadel, ['audit', 'verify', '--db', s.db, '--key-file', s.keyFile], { encoding: 'utf8' });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
});

test('SIGKILL during 1,000 concurrent requests: the chain is intact and holds every 200', async () => {
  const s = setup('crash');
  const analyst = s.key('acme', 'analyst');
  const server = await startServer(model, s.toml, ['--parallel', '64']);
  const ok = [];
  let killed = false;
  const requests = Array.from({ length: 1000 }, async () => {
    try {
      const r = await post(server, analyst, { ...completion, max_tokens: 2 });
      if (r.status === 200) {
        ok.push(r.id);
        if (ok.length === 300 && !killed) {
          killed = true;
          server.proc.kill('SIGKILL');
        }
      }
    } catch { /* the connection died with the server */ }
  });
  await Promise.all(requests);
  await server.exited;
  assert.ok(killed, `only ${ok.length} requests succeeded`);
  const verify = spawnSync(citadel, ['audit', 'verify', '--db', s.db, '--key-file', s.keyFile], { encoding: 'utf8' });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /^intact: \d+ records/);
  const trail = execFileSync(citadel, ['audit', 'query', '--db', s.db, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const missing = ok.filter((id) => !trail.includes(id));
  assert.deepEqual(missing, [], `${missing.length} of ${ok.length} answered requests have no record`);
});

test('[audit.sinks.syslog]: the server ships every record as RFC 5424 over TCP, and /metrics shows the lag', async () => {
  const net = await import('node:net');
  const received = [];
  let buffer = '';
  const receiver = net.createServer((socket) => {
    socket.on('data', (d) => {
      buffer += d.toString('utf8');
      // Octet counting (RFC 6587): "<length> <message>".
      for (;;) {
        const space = buffer.indexOf(' ');
        if (space < 0) break;
        const length = Number(buffer.slice(0, space));
        const bytes = Buffer.from(buffer.slice(space + 1), 'utf8');
        if (bytes.length < length) break;
        received.push(bytes.subarray(0, length).toString('utf8'));
        buffer = bytes.subarray(length).toString('utf8');
      }
    });
    socket.on('end', () => socket.end());
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  const s = setup('sinks', `[audit.sinks.syslog]\nhost = "127.0.0.1"\nport = ${receiver.address().port}\nfacility = "local3"\n`);
  const analyst = s.key('acme', 'analyst');
  const server = await startServer(model, s.toml);
  try {
    for (let i = 0; i < 5; i++) assert.equal((await post(server, analyst, completion)).status, 200);
    for (let i = 0; i < 100 && received.length < 6; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(received.length >= 6, `received ${received.length} (key event + 5 requests)`);
    for (const line of received) assert.match(line, /^<\d+>1 \d{4}-\d\d-\d\dT[\d:.]+Z \S+ citadel \d+ \S+ \[citadel@32473 seq="\d+"/);
    const seqs = received.map((l) => Number(/seq="(\d+)"/.exec(l)[1]));
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'in order, none missing');
    assert.ok(received.every((l) => !l.includes('Once upon')), 'sinks never get content');
    for (let i = 0; i < 30; i++) {
      const metrics = await (await fetch(`${server.base}/metrics`)).text();
      if (/citadel_audit_sink_lag_records\{sink="syslog:127.0.0.1:\d+"\} 0/.test(metrics)) break;
      assert.ok(i < 29, 'the lag never reached 0');
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await server.stop();
    receiver.close();
  }
});
