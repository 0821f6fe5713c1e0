import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalTransport } from '../../src/transport/local.js';

/** running (a zombie waiting for a reaper counts as dead) */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('LocalTransport', () => {
  it('runs through /bin/sh with stdout, stderr, exit code and counts execs', async () => {
    const t = new LocalTransport();
    expect(t.target).toBe('local');
    await t.connect();
    const r = await t.exec('echo out; echo err >&2; exit 4');
    expect(r).toEqual({ stdout: 'out\n', stderr: 'err\n', code: 4, signal: undefined });
    await t.exec('true');
    expect(t.execCount).toBe(2);
  });

  it('delivers 1 MB of stdin, then closes it', async () => {
    const t = new LocalTransport();
    expect((await t.exec('wc -c', { stdin: Buffer.alloc(1024 * 1024, 'x') })).stdout.trim()).toBe(String(1024 * 1024));
    expect((await t.exec('cat; echo end')).stdout).toBe('end\n'); // no stdin: EOF at once
  });

  it('survives a command that ignores a large stdin', async () => {
    expect((await new LocalTransport().exec('exit 0', { stdin: 'y'.repeat(4 * 1024 * 1024) })).code).toBe(0);
  });

  it('reports a signal', async () => {
    expect(await new LocalTransport().exec('kill -TERM $$')).toMatchObject({ code: null, signal: 'SIGTERM' });
  });

  it('times out, killing the whole process group', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-local-'));
    const pidFile = join(dir, 'pid');
    const t = new LocalTransport(60_000);
    const t0 = Date.now();
    const e = await t.exec(`sleep 30 & echo $! > ${pidFile}; wait`, { timeoutMs: 300 }).catch((x: unknown) => x);
    expect(e).toMatchObject({ name: 'TransportError', kind: 'timeout', message: 'local: command timed out after 0.3 s' });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(existsSync(pidFile)).toBe(true);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false); // the background child died with the group
  });

  it('uses the constructor timeout by default', async () => {
    await expect(new LocalTransport(200).exec('sleep 10')).rejects.toMatchObject({ kind: 'timeout' });
  });
});
