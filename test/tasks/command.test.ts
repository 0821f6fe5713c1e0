// command: argv quoting, guards, and the guarded run for real with /bin/sh (check, apply, verify,
// re-run reports nothing).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { commandTask } from '../../src/tasks/command.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { applyLocal, gatherLocal } from '../support/run-local.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'fleet-cmd-'));
const changes = (p: Plan) => (isOk(p) ? [] : (p as Change[]));
const args = (raw: object) => parseArgs(commandTask.args, raw);

/** check -> apply -> verify -> check again, as the engine does. */
function cycle(raw: object) {
  const a = args(raw);
  const first = commandTask.plan(a, gatherLocal(commandTask.facts(a)));
  applyLocal(changes(first));
  const after = gatherLocal(commandTask.facts(a));
  return { first, verified: commandTask.verify!(a, after), second: commandTask.plan(a, after) };
}

describe('command', () => {
  it('splits cmd into words and quotes each; argv is taken as is', () => {
    const step = (raw: object) => changes(commandTask.plan(args(raw), {}))[0]!.steps.map((s) => s.text);
    expect(step({ cmd: `printf '%s\\n' "a b" $HOME ;` })).toEqual([`printf '%s\\n' 'a b' '$HOME' ';'`]);
    expect(step({ argv: ['touch', 'x y'], chdir: '/tmp/a b' })).toEqual([`cd '/tmp/a b' && touch 'x y'`]);
  });

  it('without a guard: runs, cannot predict, nothing to verify', () => {
    const a = args({ cmd: 'true' });
    expect(commandTask.plan(a, {})).toEqual([{ summary: 'run: true', steps: [expect.anything()], invalidates: [], unpredictable: true }]);
    expect(commandTask.verify!(a, {})).toBe(false);
  });

  it('rejects bad arguments before any connection', () => {
    expect(() => args({})).toThrow(/give exactly one of cmd or argv/);
    expect(() => args({ cmd: 'a', argv: ['a'] })).toThrow(/give exactly one of cmd or argv/);
    expect(() => args({ cmd: `echo 'oops` })).toThrow(/argument 'cmd' .*unterminated single quote/);
    expect(() => args({ cmd: '   ' })).toThrow(/argument 'cmd' names no program to run/);
    expect(() => args({ argv: [] })).toThrow(/argument 'argv' names no program to run/);
  });

  it('creates: runs once for real, then reports the path exists', () => {
    const d = tmp();
    const { first, verified, second } = cycle({ argv: ['sh', '-c', 'echo made > out'], chdir: d, creates: 'out' });
    expect(changes(first)[0]!.summary).toBe('run: sh -c echo made > out');
    expect(changes(first)[0]!.unpredictable).toBeUndefined();
    expect(readFileSync(`${d}/out`, 'utf8')).toBe('made\n');
    expect(verified).toBeUndefined();
    expect(second).toEqual({ ok: `${d}/out exists` });
  });

  it('removes: runs only while the path exists', () => {
    const d = tmp();
    writeFileSync(`${d}/f`, '');
    const { verified, second } = cycle({ argv: ['rm', `${d}/f`], removes: `${d}/f` });
    expect(existsSync(`${d}/f`)).toBe(false);
    expect(verified).toBeUndefined();
    expect(second).toEqual({ ok: `${d}/f does not exist` });
  });

  it('unless: a probe that succeeds means already done; it runs in chdir', () => {
    const d = tmp();
    const { verified, second } = cycle({ cmd: 'touch flag', chdir: d, unless: 'test -e flag' });
    expect(verified).toBeUndefined();
    expect(second).toEqual({ ok: 'the unless probe succeeded' });
  });

  it('verify fails when the command did not satisfy its guard', () => {
    const d = tmp();
    const { verified } = cycle({ cmd: 'true', creates: `${d}/never` });
    expect(verified).toBe(`the command ran but ${d}/never still does not exist`);
  });

  it('a failing command fails its change', () => {
    expect(() => applyLocal(changes(commandTask.plan(args({ cmd: 'false' }), {})))).toThrow(/step failed/);
  });

  it('timeout kills a command that runs too long and says so; a quick one keeps its exit code', () => {
    const t0 = Date.now();
    expect(() => applyLocal(changes(commandTask.plan(args({ cmd: 'sleep 30', timeout: 1 }), {})))).toThrow(/timed out after 1 s/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(() => applyLocal(changes(commandTask.plan(args({ cmd: 'false', timeout: 5 }), {})))).toThrow(/step failed/);
    expect(() => applyLocal(changes(commandTask.plan(args({ cmd: 'true', timeout: 5 }), {})))).not.toThrow();
    expect(() => args({ cmd: 'true', timeout: 0 })).toThrow();
    // a chdir that fails stops the step before the command runs
    expect(() => applyLocal(changes(commandTask.plan(args({ cmd: 'true', chdir: '/nonexistent-fleet', timeout: 5 }), {})))).toThrow(/step failed/);
  });
});
