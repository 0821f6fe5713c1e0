// The run-state manifest: every word encoded, so no value starts a line of its own, whichever path
// writes it (the writer, the shell, fleet_record); rollback reads back only lines fleet can have
// written, and its script quotes every value it acts on.
import { spawnSync } from 'node:child_process';
import { existsSync, lchownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyScript, type ApplyBlock } from '../../src/engine/frame.js';
import { backupHeader, rollbackScript } from '../../src/engine/backups.js';
import { manifestLine, parseManifest } from '../../src/engine/manifest.js';
import { decodeWord, encodeWord } from '../../src/shell/manifest-word.js';
import { atomicWrite, backup, record } from '../../src/shell/sh.js';
import { WRITER_SHELL } from '../../src/shell/writer.js';
import { onlyOnPath, withoutOnPath } from '../support/path.js';

const block = (...steps: ApplyBlock['steps']): ApplyBlock => ({ steps: [...steps], continueOnError: false });
const local = (state: string, script: string) => script.replace(/if \[ "\$\(id -u\)" = 0 \]; then S=[^;]*;/, `if :; then S=${state};`);

describe('manifest words', () => {
  it('round-trip any bytes; a word holds no space and no control character', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const w = encodeWord(Buffer.from(bytes));
        return /^[!-~]*$/.test(w) && !w.includes(' ') && Buffer.compare(decodeWord(w)!, Buffer.from(bytes)) === 0;
      }),
      { numRuns: 300 },
    );
  });
  it('keep plain paths readable', () => {
    expect(encodeWord('/etc/docker/daemon.json')).toBe('/etc/docker/daemon.json');
    expect(encodeWord('/tmp/a b\ncreated /etc')).toBe('/tmp/a%20b%0Acreated%20/etc');
  });
});

describe('parseManifest', () => {
  it('reads what fleet writes, newest last', () => {
    const text = [manifestLine('file', '/etc/x'), manifestLine('created', '/tmp/a b\nc'), manifestLine('pkg', 'nginx-light', '-'), manifestLine('hold', 'containerd.io', '1'), manifestLine('service', 'ssh', 'active', 'enabled'), ''].join('\n');
    const p = parseManifest(text);
    // a path with a newline is one fleet refuses at plan time: never acted on when read back
    expect(p.entries.map((e) => e.kind)).toEqual(['file', 'pkg', 'hold', 'service']);
    expect(p.refused).toEqual([{ line: 2, text: 'v2 created /tmp/a%20b%0Ac', why: 'the path holds control characters' }]);
  });

  it('refuses what fleet cannot have written', () => {
    const lines = [
      'file /etc/shadow', // an unencoded line in a v2 manifest
      'v2 created etc/x', // relative
      'v2 created /etc/../root', // not a plain path
      'v2 created /', // the root
      'v2 created /a%ZZ', // not an encoded word
      'v2 created /a /b', // two values
      'v2 pkg bash 5.2;rm', // not a version
      'v2 service ssh running enabled',
      'v2 wipe /etc',
      'v2 created /var/lib/ok',
    ];
    const p = parseManifest(lines.join('\n'));
    expect(p.entries).toEqual([{ kind: 'created', path: '/var/lib/ok' }]);
    expect(p.refused.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('reads manifests of earlier fleet versions, checked the same way', () => {
    const p = parseManifest('file /etc/a b\ncreated /srv/new\npkg docker.io 20.10.24+dfsg1-1+b3\ncreated /tmp/\x1b[2Jx\ncreated ../x\n');
    expect(p.entries).toEqual([{ kind: 'file', path: '/etc/a b' }, { kind: 'created', path: '/srv/new' }, { kind: 'pkg', name: 'docker.io', version: '20.10.24+dfsg1-1+b3' }]);
    expect(p.refused.map((r) => [r.line, r.why])).toEqual([[4, 'the path holds control characters'], [5, 'the path is not absolute']]);
  });
});

describe.each([
  ['the writer', onlyOnPath('perl', 'sh', 'df', 'mkdir', 'chmod', 'grep', 'od', 'tr', 'sed')],
  ['the shell', withoutOnPath('perl')],
])('manifest lines written by %s', (_, PATH) => {
  it('encode an odd path (spaces, %, quotes, UTF-8), record it once, and read back as the same path', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-manifest-'));
    const state = join(d, 'state');
    const odd = join(d, `a b%'"ü $x`);
    writeFileSync(odd, 'old\n');
    const f = applyScript([block(atomicWrite(odd, 'new\n')), block(atomicWrite(odd, 'newer\n')), block(record('pkg', 'nginx-light', '1.22.1-9')), block(record('pkg', 'nginx-light', '1.22.1-9'))], undefined, local(state, backupHeader('r1', '')));
    const r = spawnSync('/bin/sh', ['-c', WRITER_SHELL], { input: f.script, encoding: 'utf8', env: { PATH } });
    expect(r.status).toBe(0);
    const text = readFileSync(join(state, 'manifest'), 'utf8');
    expect(text).toBe(`v2 file ${encodeWord(odd)}\nv2 pkg nginx-light 1.22.1-9\n`);
    expect(parseManifest(text).entries).toEqual([{ kind: 'file', path: odd }, { kind: 'pkg', name: 'nginx-light', version: '1.22.1-9' }]);
  });

  it('a relative path is recorded by its absolute name, encoded on the host', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-manifest-'));
    const state = join(d, 'state');
    mkdirSync(join(d, 'w d'));
    const f = applyScript([block(backup('x y'))], undefined, local(state, backupHeader('r1', '')));
    const r = spawnSync('/bin/sh', ['-c', WRITER_SHELL], { input: f.script, encoding: 'utf8', env: { PATH }, cwd: join(d, 'w d') });
    expect(r.status).toBe(0);
    expect(parseManifest(readFileSync(join(state, 'manifest'), 'utf8')).entries).toEqual([{ kind: 'created', path: join(d, 'w d', 'x y') }]);
  });
});

describe('rollbackScript', () => {
  it('quotes every value it acts on, so a path is one word whatever it holds', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-rb-'));
    const made = join(d, `new $(echo x > pwned) 'q' "; touch pwned2`);
    writeFileSync(made, '');
    const state = join(d, 'state');
    mkdirSync(state);
    const r = spawnSync('/bin/sh', ['-s'], { input: local(state, rollbackScript('r1', [{ kind: 'created', path: made }], '')), encoding: 'utf8', cwd: d });
    expect(r.stdout).toBe(`restored absence of ${made}\n`);
    expect(readdirSync(d).sort()).toEqual(['state']);
  });

  it('a path below a symlink someone else owns is not touched', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-rb-'));
    mkdirSync(join(d, 'real'));
    writeFileSync(join(d, 'real', 'f'), 'keep\n');
    symlinkSync(join(d, 'real'), join(d, 'link'));
    lchownSync(join(d, 'link'), 65534, 65534);
    const state = join(d, 'state');
    mkdirSync(state);
    const r = spawnSync('/bin/sh', ['-s'], { input: local(state, rollbackScript('r1', [{ kind: 'created', path: join(d, 'link', 'f') }], '')), encoding: 'utf8' });
    expect(r.stdout).toBe(`cannot restore absence of ${d}/link/f: ${d}/link is a symlink owned by another user\nfleet-rb incomplete\n`);
    expect(readFileSync(join(d, 'real', 'f'), 'utf8')).toBe('keep\n');
    // not marked done: a later rollback tries it again
    expect(existsSync(join(state, 'rolled-back'))).toBe(false);
  });
});
