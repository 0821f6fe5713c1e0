// The host's run lock, with the real flock and /bin/sh of this machine: a second script waits, then
// fails naming the holder; the lock goes when the holding script's shell does, even while a process
// that script started (a daemon) lives on.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_BUSY, lockShell } from '../../src/engine/backups.js';

const hasFlock = spawnSync('sh', ['-c', 'command -v flock']).status === 0;

describe.skipIf(!hasFlock)('run lock', () => {
  const base = mkdtempSync(join(tmpdir(), 'fleet-lock-'));
  mkdirSync(join(base, 'runs'));
  const script = (id: string, wait: number, body: string) => `S=${base}/runs/${id}\n${lockShell(id, wait, `run ${id} from ctl (pid 1)`)}${body}\n`;
  // asynchronous, so this process reaps the scripts it started (a zombie's lock is not released)
  const run = (id: string, wait: number, body = 'echo done') =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = spawn('/bin/sh', ['-s']);
      const r = { status: null as number | null, stdout: '', stderr: '' };
      c.stdout.on('data', (d) => (r.stdout += d));
      c.stderr.on('data', (d) => (r.stderr += d));
      c.on('close', (code) => resolve({ ...r, status: code }));
      c.stdin.end(script(id, wait, body));
    });
  const started = (id: string, body: string) => {
    const c = spawn('/bin/sh', ['-s'], { stdio: ['pipe', 'pipe', 'inherit'] });
    // the lock of the test before may take a second to go
    c.stdin.end(script(id, 10, `echo locked\n${body}`));
    let out = '';
    const ended = new Promise<string>((r) => c.on('close', () => r(out)));
    return new Promise<{ ended: Promise<string> }>((r) => c.stdout.on('data', (d) => ((out += d), out.includes('locked') && r({ ended }))));
  };

  it('a second script waits its bound, then exits LOCK_BUSY naming the holder, having run nothing', async () => {
    const a = await started('A', 'sleep 2');
    const t0 = Date.now();
    const b = await run('B', 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(b.status).toBe(LOCK_BUSY);
    expect(b.stdout).toBe('');
    expect(b.stderr).toMatch(/^fleet: another fleet run is changing this host: run A from ctl \(pid 1\), since \d{4}-\d\d-\d\dT[\d:]+Z; waited 1 s for it, changed nothing\n$/);
    await a.ended;
  });

  it('within its bound, the second script gets the lock once the first is done', async () => {
    const a = await started('A', 'sleep 1');
    const b = await run('B', 10);
    await a.ended;
    expect(b.status).toBe(0);
    expect(b.stdout).toBe('done\n');
  });

  it('a process the holding script leaves behind does not keep the lock', async () => {
    const a = await started('A', 'sleep 30 >/dev/null 2>&1 & echo "left $!"');
    const left = Number(/left (\d+)/.exec(await a.ended)![1]);
    const b = await run('B', 5);
    process.kill(left);
    expect(b.status, b.stderr).toBe(0);
  });
});
