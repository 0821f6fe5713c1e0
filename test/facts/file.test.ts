// The file probes run for real with /bin/sh against a temp directory: content must round-trip byte
// for byte, and absence, directories and symlinks are values, never errors.
import { spawnSync } from 'node:child_process';
import { chmodSync, lchownSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandSucceedsFact, contentId, fileFact, parseFileProbe, pathExistsFact, sha256 } from '../../src/facts/file.js';
import type { Fact } from '../../src/types.js';
import { gatherScript, parseFramed } from '../../src/engine/frame.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'fleet-fact-'));

/** As the engine runs it: in a gather script fed to `sh -s` on stdin (inline or in a subshell, as
 *  the fact says), followed by more script padded past the shell's read-ahead, so a probe that read
 *  stdin would eat the rest and the end marker would be missing. */
function probe<T>(fact: Fact<T>): T {
  const g = gatherScript([fact]);
  const r = spawnSync('/bin/sh', ['-s'], { input: `${g.script}${'#'.repeat(200_000)}\necho END-OF-SCRIPT\n`, encoding: 'utf8' });
  expect(r.stdout.endsWith('END-OF-SCRIPT\n')).toBe(true);
  const s = parseFramed(r.stdout, g.nonce).get(0)!;
  return fact.parse(s.out, s.code);
}

describe('fileFact', () => {
  it('a missing path is { exists: false }', () => {
    expect(probe(fileFact(`${tmp()}/nope`))).toEqual({ exists: false });
  });

  it.each([
    ['no trailing newline', 'a\nb'],
    ['trailing newlines', 'a\n\n\n'],
    ['empty', ''],
    ['unicode and shell metacharacters', "ü ' \" $(id) `x` \\ %s\r\n"],
  ])('round-trips content exactly: %s', (_name, content) => {
    const d = tmp();
    writeFileSync(`${d}/f`, content);
    chmodSync(`${d}/f`, 0o640);
    expect(probe(fileFact(`${d}/f`))).toEqual({ exists: true, type: 'file', mode: '0640', owner: 'root', group: 'root', uid: 0, gid: 0, size: Buffer.byteLength(content), content, binary: false });
  });

  it('marks binary content, and reads paths with spaces and quotes', () => {
    const d = tmp();
    const p = `${d}/it's a "file"`;
    writeFileSync(p, Buffer.from([0, 1, 2, 0xff]));
    expect(probe(fileFact(p))).toMatchObject({ exists: true, type: 'file', size: 4, binary: true });
  });

  it('reports a directory without content, and setuid bits in the mode', () => {
    const d = tmp();
    mkdirSync(`${d}/sub`);
    chmodSync(`${d}/sub`, 0o2750);
    const st = probe(fileFact(`${d}/sub`));
    expect(st).toMatchObject({ exists: true, type: 'directory', mode: '2750' });
    expect(st).not.toHaveProperty('content');
  });

  it('following, reads through a symlink and says where it points; a dangling one is absent', () => {
    const d = tmp();
    writeFileSync(`${d}/target`, 'x\n');
    symlinkSync(`${d}/target`, `${d}/link`);
    symlinkSync(`${d}/gone`, `${d}/dangling`);
    const follow = { follow: true };
    expect(probe(fileFact(`${d}/link`, follow))).toMatchObject({ exists: true, type: 'file', content: 'x\n', link: `${d}/target` });
    expect(probe(fileFact(`${d}/target`, follow))).not.toHaveProperty('link');
    expect(probe(fileFact(`${d}/dangling`, follow))).toEqual({ exists: false });
  });

  it('by default reports a symlink itself, never what it points to', () => {
    const d = tmp();
    writeFileSync(`${d}/target`, 'secret\n');
    chmodSync(`${d}/target`, 0o600);
    symlinkSync(`${d}/target`, `${d}/link`);
    symlinkSync(`${d}/gone`, `${d}/dangling`);
    const st = probe(fileFact(`${d}/link`));
    expect(st).toMatchObject({ exists: true, type: 'symlink', mode: '0777', link: `${d}/target` });
    expect(st).not.toHaveProperty('content');
    expect(probe(fileFact(`${d}/dangling`))).toMatchObject({ exists: true, type: 'symlink', link: `${d}/gone` });
    expect(fileFact(`${d}/link`).key).not.toBe(fileFact(`${d}/link`, { follow: true }).key);
  });

  it('reads nothing through a symlinked directory another user owns', () => {
    const d = tmp();
    mkdirSync(`${d}/real`);
    writeFileSync(`${d}/real/f`, 'secret\n');
    symlinkSync(`${d}/real`, `${d}/theirs`);
    lchownSync(`${d}/theirs`, 65534, 65534);
    symlinkSync(`${d}/real`, `${d}/ours`);
    expect(probe(fileFact(`${d}/theirs/f`))).toEqual({ exists: false, unsafe: `${d}/theirs is a symlink owned by uid 65534` });
    expect(probe(fileFact(`${d}/ours/f`))).toMatchObject({ exists: true, type: 'file', content: 'secret\n' });
  });

  it('parses a file too large to ship (no content record) and odd types', () => {
    expect(parseFileProbe('stat:regular file|644|root|root|99999999|0|0\n')).toEqual({ exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', uid: 0, gid: 0, size: 99999999 });
    expect(parseFileProbe('stat:fifo|600|a|b|0|1|2\n')).toMatchObject({ type: 'other' });
    expect(parseFileProbe('')).toEqual({ exists: false });
  });

  it('names what a file held for compare-before-replace: absent, or the hash of its exact bytes', () => {
    const d = tmp();
    writeFileSync(`${d}/t`, 'text ü\n');
    const bin = Buffer.from([0xff, 0xfe, 0, 10]);
    writeFileSync(`${d}/b`, bin);
    expect(contentId(probe(fileFact(`${d}/nope`)))).toBe('absent');
    expect(contentId(probe(fileFact(`${d}/t`)))).toBe(sha256(Buffer.from('text ü\n')));
    expect(contentId(probe(fileFact(`${d}/b`)))).toBe(sha256(bin));
    expect(contentId(probe(fileFact(d)))).toBeUndefined();
    expect(contentId(parseFileProbe('stat:regular file|644|root|root|99999999|0|0\n'))).toBeUndefined();
  });

  it('keys are per path', () => {
    expect(fileFact('/etc/x').key).toBe('file:/etc/x');
  });
});

describe('pathExistsFact and commandSucceedsFact', () => {
  it('exists is the exit code of the test', () => {
    const d = tmp();
    expect(probe(pathExistsFact(d))).toBe(true);
    expect(probe(pathExistsFact(`${d}/nope`))).toBe(false);
  });

  it('runs the probe with sh -c, optionally in a directory, without reading stdin', () => {
    const d = tmp();
    writeFileSync(`${d}/marker`, '');
    expect(probe(commandSucceedsFact('test -f marker', d))).toBe(true);
    expect(probe(commandSucceedsFact('test -f marker'))).toBe(false);
    expect(probe(commandSucceedsFact('cat >/dev/null; exit 0'))).toBe(true);
    expect(probe(commandSucceedsFact('grep -q root /etc/passwd | false'))).toBe(false);
  });

  it('same script and directory: same key (probes dedupe); different: different keys', () => {
    expect(commandSucceedsFact('a').key).toBe(commandSucceedsFact('a').key);
    expect(commandSucceedsFact('a').key).not.toBe(commandSucceedsFact('b').key);
    expect(commandSucceedsFact('a', '/x').key).not.toBe(commandSucceedsFact('a').key);
  });
});
