import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { applyScript, gatherScript, parseFramed, writeOnce } from '../../src/engine/frame.js';
import { raw, sh } from '../../src/shell/sh.js';

const runSh = (script: string) => spawnSync('/bin/sh', ['-s'], { input: script, encoding: 'utf8' });

describe('framing', () => {
  it('returns each probe output byte for byte with its exit code, stdin and stderr kept out', () => {
    const probes = [raw('printf "a\\nb"'), raw('printf "x\\n\\n"'), raw('echo err >&2; exit 3'), raw('cat; echo after'), sh`printf '%s' ${'FLEET B 0'}`];
    const f = gatherScript(probes.map((probe) => ({ probe })));
    const r = runSh(f.script);
    const s = parseFramed(r.stdout, f.nonce);
    expect(s.get(0)).toEqual({ out: 'a\nb', code: 0 });
    expect(s.get(1)).toEqual({ out: 'x\n\n', code: 0 });
    expect(s.get(2)).toEqual({ out: '', code: 3 });
    expect(s.get(3)).toEqual({ out: 'after\n', code: 0 });
    expect(s.get(4)).toEqual({ out: 'FLEET B 0', code: 0 });
  });

  for (const shell of ['/bin/sh', 'bash']) {
    it(`runs inline probes in the gather shell itself, stdin and stderr still kept out (${shell})`, () => {
      const f = gatherScript([
        { probe: raw('fleet_x=set-inline; echo err >&2; cat; printf one'), inline: true },
        { probe: raw('echo "$fleet_x"; false'), inline: true },
        { probe: raw('echo "$fleet_x"; exit 2') },
        { probe: raw('echo still'), inline: true },
      ]);
      const r = spawnSync(shell, ['-s'], { input: f.script, encoding: 'utf8' });
      const s = parseFramed(r.stdout, f.nonce);
      expect(s.get(0)).toEqual({ out: 'one', code: 0 });
      // the variable set by the first probe is seen by the next: no subshell
      expect(s.get(1)).toEqual({ out: 'set-inline\n', code: 1 });
      expect(s.get(2)).toEqual({ out: 'set-inline\n', code: 2 });
      expect(s.get(3)).toEqual({ out: 'still\n', code: 0 });
      expect(r.stderr).toBe('');
    });
  }

  it('stops the apply script at the first failing block unless it may continue', () => {
    const f = applyScript([
      { steps: [raw('echo one')], continueOnError: false },
      { steps: [raw('echo two; false'), raw('echo never')], continueOnError: true },
      { steps: [raw('echo three; exit 4')], continueOnError: false },
      { steps: [raw('echo four')], continueOnError: false },
    ]);
    const s = parseFramed(runSh(f.script).stdout, f.nonce);
    expect(s.get(0)).toEqual({ out: 'one\n', code: 0 });
    expect(s.get(1)).toEqual({ out: 'two\n', code: 1 });
    expect(s.get(2)).toEqual({ out: 'three\n', code: 4 });
    expect(s.has(3)).toBe(false);
  });

  for (const banner of ['Welcome to prod-17!', 'Welcome\nto prod-17!\n', '\n']) {
    it(`reads every section when the host's shell printed ${JSON.stringify(banner)} before the script ran`, () => {
      const f = gatherScript([{ probe: raw('printf one') }, { probe: raw('echo two; exit 5') }]);
      const s = parseFramed(banner + runSh(f.script).stdout, f.nonce);
      expect(s.get(0)).toEqual({ out: 'one', code: 0 });
      expect(s.get(1)).toEqual({ out: 'two\n', code: 5 });
      const a = applyScript([{ steps: [raw('echo done')], continueOnError: false }]);
      expect(parseFramed(banner + runSh(a.script).stdout, a.nonce).get(0)).toEqual({ out: 'done\n', code: 0 });
    });
  }

  it('takes only exact markers: the nonce, then the whole rest of the line', () => {
    const out = 'N B 0\nN B 1 more\nxN E 1 0\n\nN E 0 0 x\nN E 0 7\n';
    expect(parseFramed(out, 'N')).toEqual(new Map([[0, { out: 'N B 1 more\nxN E 1 0\n\nN E 0 0 x', code: 7 }]]));
  });

  it('treats a section that never ended as missing', () => {
    expect(parseFramed('N B 0\npartial output', 'N').size).toBe(0);
  });
});

describe('writeOnce: each file of a batch written once', () => {
  const W = (path: string, content: string, mode?: string) => ({ op: 'W' as const, path, content, ...(mode ? { mode } : {}) });
  const A = (path: string, mode: string) => ({ op: 'A' as const, path, mode });

  it('writes a file where it was first written, with the last content and the last mode given', () => {
    expect(writeOnce([W('/f', '1'), W('/g', 'g'), W('/f', '2', '0600'), W('/f', '3')])).toEqual([
      { ...W('/f', '3'), mode: '0600' }, W('/g', 'g'), undefined, undefined,
    ]);
    expect(writeOnce([W('/f', '1', '0600'), W('/f', '2', '0640')])).toEqual([W('/f', '2', '0640'), undefined]);
    expect(writeOnce([W('/f', '1'), W('/f', '2')])).toEqual([{ ...W('/f', '2'), mode: undefined }, undefined]);
  });

  it('starts over after an owner/mode change of that path, not of another', () => {
    expect(writeOnce([W('/f', '1'), A('/f', '0600'), W('/f', '2'), A('/g', '0700'), W('/f', '3')])).toEqual([
      W('/f', '1'), A('/f', '0600'), { ...W('/f', '3'), mode: undefined }, A('/g', '0700'), undefined,
    ]);
  });
});
