// The batched file gather (one perl for every path) must read exactly what the per-file probe
// reads. Both run for real with /bin/sh; PATH decides which one can work: with only perl on it the
// probe's stat and base64 are missing, without perl the batch is.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lchownSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { fileFact } from '../../src/facts/file.js';
import { gatherScript, parseFramed } from '../../src/engine/frame.js';
import { onlyOnPath, withoutOnPath } from '../support/path.js';

// each path twice: as the link itself (the default) and following a link
function gather(paths: string[], PATH: string) {
  const facts = paths.flatMap((p) => [fileFact(p), fileFact(p, { follow: true })]);
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
  // links another user owns: never gone through
  symlinkSync(d, join(d, 'theirs'));
  lchownSync(join(d, 'theirs'), 65534, 65534);
  symlinkSync(join(d, 'text'), join(d, 'their-link'));
  lchownSync(join(d, 'their-link'), 65534, 65534);
  const paths = ['text', 'empty', 'bin', `it's a\nname`, 'owned', 'dir', 'link', 'rel-link', 'dangling', 'missing', '-dash', 'theirs/text', 'their-link'].map((n) => join(d, n));
  for (let i = 0; i < 40; i++) paths.push(join(d, `text`));
  // every path's value from its own probe, one gather per path (no batch)
  const single = paths.flatMap((p) => [gather([p], withoutOnPath('perl'))[0], gather([p], withoutOnPath('perl'))[1]]);
  const at = (name: string, follow = false) => single[paths.indexOf(join(d, name)) * 2 + (follow ? 1 : 0)];

  it('reads every kind of path exactly as the per-file probe, with perl alone on the PATH', () => {
    expect(single.every((v) => v !== 'missing')).toBe(true);
    expect(at('owned')).toMatchObject({ exists: true, mode: '4710', owner: 'nobody', uid: 65534, gid: 12345, group: 'UNKNOWN' });
    expect(at('link', true)).toMatchObject({ type: 'file', link: join(d, 'text') });
    expect(at('link')).toMatchObject({ type: 'symlink', mode: '0777', link: join(d, 'text') });
    expect(at('link')).not.toHaveProperty('content');
    expect(at('rel-link')).toMatchObject({ type: 'symlink', link: join(d, 'text') });
    expect(at('dangling', true)).toEqual({ exists: false });
    expect(at('dangling')).toMatchObject({ type: 'symlink', link: join(d, 'gone') });
    expect(at('bin')).toMatchObject({ binary: true, sha256: createHash('sha256').update(Buffer.from([0, 1, 2, 0xff, 0xfe, 10])).digest('hex') });
    expect(gather(paths, onlyOnPath('perl'))).toEqual(single);
  });

  it('never goes through a symlink that another user owns, and reports the link itself unless following', () => {
    const unsafe = { exists: false, unsafe: `${join(d, 'theirs')} is a symlink owned by uid 65534` };
    expect(at('theirs/text')).toEqual(unsafe);
    expect(at('theirs/text', true)).toEqual(unsafe);
    expect(at('their-link')).toMatchObject({ exists: true, type: 'symlink', uid: 65534 });
    expect(at('their-link', true)).toEqual({ exists: false, unsafe: `${join(d, 'their-link')} is a symlink owned by uid 65534` });
  });

  it('checks the links inside a link too (perl)', () => {
    const e = mkdtempSync(join(tmpdir(), 'fleet-batch-'));
    mkdirSync(join(e, 'real'));
    writeFileSync(join(e, 'real', 'f'), 'f\n');
    symlinkSync(join(e, 'real'), join(e, 'mid'));
    lchownSync(join(e, 'mid'), 65534, 65534);
    // a root-owned link whose target goes through the other user's link
    symlinkSync(join(e, 'mid'), join(e, 'root-link'));
    const [st] = gather([join(e, 'root-link', 'f'), join(e, 'real', 'f')], onlyOnPath('perl'));
    expect(st).toEqual({ exists: false, unsafe: `${join(e, 'mid')} is a symlink owned by uid 65534` });
  });

  it('falls back to the per-file probe where the host has no perl', () => {
    expect(gather(paths, withoutOnPath('perl'))).toEqual(single);
  });

  it('runs the per-file probe for a lone file (a perl would cost more than it saves)', () => {
    const g = gatherScript([fileFact(join(d, 'text'))]);
    expect(g.script).not.toContain('perl');
  });
});
