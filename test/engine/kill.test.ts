// The kill script on this machine's real processes: it kills the sessions of the processes that
// carry the tag and run as its own user, and no others; a process of another user that carries
// the tag (anyone can read it in `ps`) cannot make it kill the session that process lives in.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { killScript } from '../../src/engine/kill.js';

const running = (cmd: string): number[] =>
  execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .flatMap((l) => {
      const m = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(l);
      return m && m[3] === cmd && !m[2]!.startsWith('Z') ? [Number(m[1])] : [];
    });

const started: number[] = [];
afterEach(() => {
  for (const p of started.splice(0)) {
    try {
      process.kill(-p, 'SIGKILL');
    } catch {}
  }
});

/** a session of its own holding `sleep victim`, and a tagged `sleep tagged` run as `uid` */
async function session(tag: string, uid: number, victim: string, tagged: string) {
  const { FLEET_EXEC: _, ...env } = process.env;
  const child = spawn('/bin/sh', ['-c', `${victim} & setpriv --reuid=${uid} --regid=${uid} --clear-groups env FLEET_EXEC=${tag} ${tagged} & wait`], { detached: true, stdio: 'ignore', env });
  started.push(child.pid!);
  for (let i = 0; i < 50 && (running(victim).length === 0 || running(tagged).length === 0); i++) await new Promise((r) => setTimeout(r, 50));
  expect(running(victim)).toHaveLength(1);
  expect(running(tagged)).toHaveLength(1);
}

const kill = (tag: string) => execFileSync('/bin/sh', ['-s'], { input: killScript(tag), encoding: 'utf8' });

describe.skipIf(process.getuid?.() !== 0)('kill script', () => {
  it("kills every process of a tagged process's session, when that process is its own user's", async () => {
    const tag = randomBytes(8).toString('hex');
    const n = randomInt(100_000, 900_000);
    await session(tag, 0, `sleep ${n}`, `sleep ${n + 1}`);
    kill(tag);
    expect(running(`sleep ${n}`)).toEqual([]);
    expect(running(`sleep ${n + 1}`)).toEqual([]);
  });

  it("leaves alone the session of a tagged process of another user", async () => {
    const tag = randomBytes(8).toString('hex');
    const n = randomInt(100_000, 900_000);
    await session(tag, 65534, `sleep ${n}`, `sleep ${n + 1}`);
    kill(tag);
    expect(running(`sleep ${n}`)).toHaveLength(1);
    expect(running(`sleep ${n + 1}`)).toHaveLength(1);
  });

  it('does nothing for a tag no process carries', () => {
    const t0 = Date.now();
    expect(kill(randomBytes(8).toString('hex'))).toBe('');
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
