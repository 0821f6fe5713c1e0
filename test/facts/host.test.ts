// The base facts probe, run for real on this machine as the engine runs it (inline, no subshell).
import { execFileSync, spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { gatherScript, parseFramed } from '../../src/engine/frame.js';
import { hostFacts } from '../../src/facts/host.js';

describe('hostFacts', () => {
  it('agrees with uname and id, and leaves the rest of the gather script running', () => {
    const fact = hostFacts();
    const g = gatherScript([fact, { probe: fact.probe }]);
    const r = spawnSync('/bin/sh', ['-s'], { input: `${g.script}echo END\n`, encoding: 'utf8' });
    expect(r.stdout.endsWith('END\n')).toBe(true);
    const inline = fact.parse(parseFramed(r.stdout, g.nonce).get(0)!.out, 0);
    const sub = fact.parse(parseFramed(r.stdout, g.nonce).get(1)!.out, 0);
    expect(inline).toEqual(sub);
    expect(inline.kernel).toBe(execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim());
    expect(inline.arch).toBe(execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim());
    expect(inline.user).toBe(userInfo().username);
    expect(inline.os.family).toBe('debian');
    expect(inline.perl).toBe(spawnSync('sh', ['-c', 'command -v perl']).status === 0);
  });
});
