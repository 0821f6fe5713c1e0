// The batched file gather (one perl for every path) must read exactly what the per-file probe
// reads. Both run for real with /bin/sh; PATH decides which one can work: with only perl on it the
// probe's stat and base64 are missing, without perl the batch is.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileFact } from '../../src/facts/file.js';
import { gatherScript, parseFramed } from '../../src/engine/frame.js';
import { onlyOnPath, withoutOnPath } from '../support/path.js';

function gather(paths: string[], PATH: string) {
  const facts = paths.map(fileFact);
  const g = gatherScript(facts);
  const r = spawnSync('/bin/sh', ['-s'], { input: g.script, encoding: 'utf8', env: { PATH } });
  const s = parseFramed(r.stdout, g.nonce);
  return facts.map((f, i) => (s.has(i) ? f.parse(s.get(i)!.out, s.get(i)!.code) : 'missing'));
}

describe('file facts gathered together', () => {
  const d = mkdtempSync(join(tmpdir(), 'fleet-batch-'));
  writeFileSync(join(d, 'text'), "ü ' \" $(id) `x` \\ %s\r\nno newline");
  writeFileSync(join(d, 'empty'), '');
  writeFileSync(join(d, 'bin'), Buffer.from([0, 1, 2, 0xff, 0xfe, 10]));
  writeFileSync(join(d, `it's a\nname`), 'x\n');
  writeFileSync(join(d, 'owned'), 'o\n');
  chownSync(join(d, 'owned'), 65534, 12345);
  chmodSync(join(d, 'owned'), 0o4710);
  mkdirSync(join(d, 'dir'));
  chmodSync(join(d, 'dir'), 0o2750);
  symlinkSync(join(d, 'text'), join(d, 'link'));
  symlinkSync('text', join(d, 'rel-link'));
  symlinkSync(join(d, 'gone'), join(d, 'dangling'));
  const paths = ['text', 'empty', 'bin', `it's a\nname`, 'owned', 'dir', 'link', 'rel-link', 'dangling', 'missing', '-dash'].map((n) => join(d, n));
  for (let i = 0; i < 40; i++) paths.push(join(d, `text`));
  // every path's value from its own probe, one gather per path (no batch)
  const single = paths.map((p) => gather([p], withoutOnPath('perl'))[0]);

  it('reads every kind of path exactly as the per-file probe, with perl alone on the PATH', () => {
    expect(single.every((v) => v !== 'missing')).toBe(true);
    expect(single[4]).toMatchObject({ exists: true, mode: '4710', owner: 'nobody', uid: 65534, gid: 12345, group: 'UNKNOWN' });
    expect(single[6]).toMatchObject({ type: 'file', link: join(d, 'text') });
    expect(single[8]).toEqual({ exists: false });
    expect(gather(paths, onlyOnPath('perl'))).toEqual(single);
  });

  it('falls back to the per-file probe where the host has no perl', () => {
    expect(gather(paths, withoutOnPath('perl'))).toEqual(single);
  });

  it('runs the per-file probe for a lone file (a perl would cost more than it saves)', () => {
    const g = gatherScript([fileFact(join(d, 'text'))]);
    expect(g.script).not.toContain('perl');
  });
});
