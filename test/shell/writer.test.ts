// The writer runs for real: apply scripts fed to the remote command fleet uses, with /bin/sh and
// perl on this machine. PATH decides which path a write takes: with only perl and sh on it the
// shell path's base64, cp, sync and mv are missing, so a write that works went through the writer.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lchownSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { sha256 } from '../../src/facts/file.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyScript, parseFramed, type ApplyBlock } from '../../src/engine/frame.js';
import { backupHeader } from '../../src/engine/backups.js';
import { atomicWrite, raw, setAttrs } from '../../src/shell/sh.js';
import { randomBytes } from 'node:crypto';
import { WRITER_PROGRAM, WRITER_SHELL } from '../../src/shell/writer.js';
import { onlyOnPath, withoutOnPath } from '../support/path.js';

// mkdir and chmod: the backup header makes the run's state directory with them
const WRITER_ONLY = onlyOnPath('perl', 'sh', 'df', 'mkdir', 'chmod');
const NO_PERL = withoutOnPath('perl');

function applyIn(blocks: ApplyBlock[], PATH: string, state?: string, lean = false) {
  const header = state ? backupHeader('r1').replace(/if \[ "\$\(id -u\)" = 0 \]; then S=[^;]*;/, `if :; then S=${state};`) : '';
  const f = applyScript(blocks, undefined, header, lean);
  const r = spawnSync('/bin/sh', ['-c', WRITER_SHELL], { input: f.script, encoding: 'utf8', env: { PATH }, timeout: 20_000 });
  return { r, sections: parseFramed(r.stdout, f.nonce), writer: f.writer };
}
const block = (...steps: ReturnType<typeof raw>[]): ApplyBlock => ({ steps, continueOnError: false });

describe.each([
  ['the writer', WRITER_ONLY, false],
  ['the writer, with the lean script of a host known to have perl', WRITER_ONLY, true],
  ['the shell, on a host without perl', NO_PERL, false],
])('file writes through %s', (_name, PATH, lean) => {
  const apply = (blocks: ApplyBlock[], PATH: string, state?: string) => applyIn(blocks, PATH, state, lean);
  it('writes any bytes, with the given mode, the old owner and mode, or 0644', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    writeFileSync(join(d, 'old'), 'old\n');
    chownSync(join(d, 'old'), 65534, 12345);
    chmodSync(join(d, 'old'), 0o640);
    const bytes = Buffer.from([0, 1, 0xff, 10, 0x60, 0x27, 0x24]);
    const { r, sections, writer } = apply([
      block(atomicWrite(join(d, "it's new"), bytes, '0600')),
      block(atomicWrite(join(d, 'old'), "ü $(id) `x`\n")),
      block(atomicWrite(join(d, 'plain'), '')),
    ], PATH);
    expect(writer).toBe(true);
    expect([...sections.values()]).toEqual([{ out: '', code: 0 }, { out: '', code: 0 }, { out: '', code: 0 }]);
    expect(r.status).toBe(0);
    expect(readFileSync(join(d, "it's new"))).toEqual(bytes);
    expect(statSync(join(d, "it's new")).mode & 0o7777).toBe(0o600);
    expect(readFileSync(join(d, 'old'), 'utf8')).toBe("ü $(id) `x`\n");
    expect(statSync(join(d, 'old'))).toMatchObject({ uid: 65534, gid: 12345 });
    expect(statSync(join(d, 'old')).mode & 0o7777).toBe(0o640);
    expect(statSync(join(d, 'plain')).mode & 0o7777).toBe(0o644);
    expect(readdirSync(d).sort()).toEqual(["it's new", 'old', 'plain']);
  });

  it('keeps the first version of each file in the run backups, and records created files', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    const state = join(d, 'state');
    writeFileSync(join(d, 'a'), 'first\n');
    chmodSync(join(d, 'a'), 0o604);
    apply([block(atomicWrite(join(d, 'a'), 'second\n')), block(atomicWrite(join(d, 'a'), 'third\n')), block(atomicWrite(join(d, 'b'), 'b\n'))], PATH, state);
    expect(readFileSync(join(d, 'a'), 'utf8')).toBe('third\n');
    expect(readFileSync(join(state, 'files', d, 'a'), 'utf8')).toBe('first\n');
    expect(statSync(join(state, 'files', d, 'a')).mode & 0o7777).toBe(0o604);
    expect(readFileSync(join(state, 'manifest'), 'utf8')).toBe(`v2 file ${d}/a\nv2 created ${d}/b\n`);
  });

  it('writes a large file whole', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    const big = randomBytes(3 * 1024 * 1024 + 7);
    const { sections } = apply([block(atomicWrite(join(d, 'big'), big)), block(atomicWrite(join(d, 'after'), 'x'))], PATH);
    expect([...sections.values()].map((x) => x.code)).toEqual([0, 0]);
    expect(readFileSync(join(d, 'big')).equals(big)).toBe(true);
    expect(readFileSync(join(d, 'after'), 'utf8')).toBe('x');
  });

  it('sets owner, group and mode, owner first so a setuid mode survives; an unknown user fails the step', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    writeFileSync(join(d, 'f'), 'f');
    writeFileSync(join(d, 'g'), 'g');
    const { sections } = apply([
      block(setAttrs(join(d, 'f'), { mode: '4750', owner: 'nobody', group: '12345' })),
      block(setAttrs(join(d, 'g'), { mode: '0600' })),
      { steps: [setAttrs(join(d, 'g'), { owner: 'no-such-user-here' })], continueOnError: true },
    ], PATH);
    expect(sections.get(0)).toEqual({ out: '', code: 0 });
    expect(statSync(join(d, 'f'))).toMatchObject({ uid: 65534, gid: 12345 });
    expect(statSync(join(d, 'f')).mode & 0o7777).toBe(0o4750);
    expect(statSync(join(d, 'g')).mode & 0o7777).toBe(0o600);
    expect(sections.get(2)?.code).not.toBe(0);
    expect(sections.get(2)?.out).toMatch(/no-such-user-here/);
    expect(statSync(join(d, 'g')).uid).toBe(0);
  });

  it('in a run of writing tasks, stops at the one that fails: those before are done, those after are not', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    const { sections } = apply([
      block(atomicWrite(join(d, 'a'), 'a'), setAttrs(join(d, 'a'), { owner: 'nobody' })),
      block(atomicWrite(join(d, 'no/dir/b'), 'b')),
      block(atomicWrite(join(d, 'c'), 'c')),
    ], PATH);
    expect(sections.get(0)).toEqual({ out: '', code: 0 });
    expect(statSync(join(d, 'a')).uid).toBe(65534);
    expect(sections.get(1)?.code).toBe(1);
    expect(sections.get(1)?.out).toMatch(/no\/dir\/b/);
    expect(sections.has(2)).toBe(false);
    expect(readdirSync(d)).toEqual(['a']);
  });

  it('writes a file that several tasks of a batch write once, ending as if each had been written', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    const [f, g, state] = [join(d, 'f'), join(d, 'g'), join(d, 'state')];
    writeFileSync(f, 'orig\n');
    chownSync(f, 65534, 12345);
    chmodSync(f, 0o640);
    const blocks = [
      block(atomicWrite(f, 'one\n')),
      block(atomicWrite(g, 'g\n')),
      block(atomicWrite(f, 'two\n', '0600')),
      block(setAttrs(g, { mode: '0700' })),
      block(atomicWrite(f, 'three\n')),
    ];
    const { sections } = apply(blocks, PATH, state);
    expect([...sections.entries()]).toEqual([0, 1, 2, 3, 4].map((i) => [i, { out: '', code: 0 }]));
    expect(readFileSync(f, 'utf8')).toBe('three\n');
    // the 0600 write made a new file of root's, and the last write kept that file's owner and mode
    expect(statSync(f)).toMatchObject({ uid: 0, gid: 0 });
    expect(statSync(f).mode & 0o7777).toBe(0o600);
    expect(statSync(g).mode & 0o7777).toBe(0o700);
    expect(readFileSync(join(state, 'files', f), 'utf8')).toBe('orig\n');
    expect(statSync(join(state, 'files', f))).toMatchObject({ uid: 65534, gid: 12345 });
    expect(readFileSync(join(state, 'manifest'), 'utf8')).toBe(`v2 file ${f}\nv2 created ${g}\n`);
    // where the writer runs, the batch carries one write of f
    const script = applyScript(blocks).script;
    expect(script.match(new RegExp(`'W ${Buffer.from(f).toString('base64')} `, 'g'))).toHaveLength(1);
  });

  it('in a batch, a failed write of a file several tasks write fails the first of them; nothing after it is done', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    const bad = join(d, 'no/dir/f');
    const { sections } = apply([block(atomicWrite(join(d, 'a'), 'a')), block(atomicWrite(bad, '1')), block(atomicWrite(join(d, 'b'), 'b')), block(atomicWrite(bad, '2'))], PATH);
    expect(sections.get(0)).toEqual({ out: '', code: 0 });
    expect(sections.get(1)?.code).toBe(1);
    expect(sections.get(1)?.out).toMatch(/no\/dir\/f/);
    expect([...sections.keys()]).toEqual([0, 1]);
    expect(readdirSync(d)).toEqual(['a']);
  });

  it('keeps the order of writes and other steps', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    const f = join(d, 'f');
    // read by the shell itself: the PATH of the writer case has no cat
    const cat = (extra = '') => raw(`read -r l < ${f}; echo "$l"${extra}`);
    const { sections } = apply([
      block(atomicWrite(f, 'one\n')),
      block(atomicWrite(join(d, 'g'), 'g')),
      block(cat()),
      block(atomicWrite(f, 'two\n')),
      { steps: [cat('; false')], continueOnError: true },
      block(atomicWrite(f, 'three\n')),
      block(cat()),
    ], PATH);
    expect([...sections.entries()].map(([i, x]) => [i, x.out, x.code])).toEqual([
      [0, '', 0], [1, '', 0], [2, 'one\n', 0], [3, '', 0], [4, 'two\n', 1], [5, '', 0], [6, 'three\n', 0],
    ]);
  });

  it('replaces a symlink at the path, never writes through it; refuses to change what a link points to', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    const canary = join(d, 'canary');
    writeFileSync(canary, 'root only\n');
    chmodSync(canary, 0o600);
    symlinkSync(canary, join(d, 'link'));
    symlinkSync(canary, join(d, 'link2'));
    const { sections } = apply([
      block(atomicWrite(join(d, 'link'), 'new\n', '0644')),
      { steps: [setAttrs(join(d, 'link2'), { mode: '0666', owner: 'nobody' })], continueOnError: true },
    ], PATH);
    expect(sections.get(0)).toEqual({ out: '', code: 0 });
    expect(lstatSync(join(d, 'link')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(d, 'link'), 'utf8')).toBe('new\n');
    expect(sections.get(1)?.code).not.toBe(0);
    expect(sections.get(1)?.out).toMatch(/link2 is a symlink/);
    expect(readFileSync(canary, 'utf8')).toBe('root only\n');
    expect(statSync(canary)).toMatchObject({ uid: 0, mode: expect.any(Number) });
    expect(statSync(canary).mode & 0o7777).toBe(0o600);
  });

  it("never goes through a symlinked directory that another user owns", () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    mkdirSync(join(d, 'etc'));
    writeFileSync(join(d, 'etc', 'shadow'), 'root:x\n');
    chmodSync(join(d, 'etc', 'shadow'), 0o640);
    symlinkSync(join(d, 'etc'), join(d, 'theirs'));
    lchownSync(join(d, 'theirs'), 65534, 65534);
    const { sections } = apply([
      { steps: [atomicWrite(join(d, 'theirs', 'shadow'), 'owned\n', '0644')], continueOnError: true },
      { steps: [setAttrs(join(d, 'theirs', 'shadow'), { mode: '0666' })], continueOnError: true },
    ], PATH);
    expect(sections.get(0)?.code).not.toBe(0);
    expect(sections.get(0)?.out).toMatch(/theirs/);
    expect(sections.get(1)?.code).not.toBe(0);
    expect(readFileSync(join(d, 'etc', 'shadow'), 'utf8')).toBe('root:x\n');
    expect(statSync(join(d, 'etc', 'shadow')).mode & 0o7777).toBe(0o640);
    expect(readdirSync(join(d, 'etc'))).toEqual(['shadow']);
  });

  it('fails a write whose file changed since it was planned, and leaves the file as it is', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    const [f, g, h] = [join(d, 'f'), join(d, 'g'), join(d, 'h')];
    writeFileSync(f, 'planned on\n');
    writeFileSync(g, 'someone else wrote this\n');
    writeFileSync(h, 'appeared\n');
    const { sections } = apply([
      block(atomicWrite(f, 'new f\n', undefined, undefined, sha256('planned on\n'))),
      { steps: [atomicWrite(g, 'new g\n', undefined, undefined, sha256('planned on\n'))], continueOnError: true },
      { steps: [atomicWrite(h, 'new h\n', '0644', undefined, 'absent')], continueOnError: true },
      block(atomicWrite(join(d, 'i'), 'new i\n', '0644', undefined, 'absent')),
    ], PATH);
    expect(sections.get(0)).toEqual({ out: '', code: 0 });
    expect(readFileSync(f, 'utf8')).toBe('new f\n');
    expect(sections.get(1)?.code).not.toBe(0);
    expect(sections.get(1)?.out).toMatch(/changed underneath since it was planned/);
    expect(readFileSync(g, 'utf8')).toBe('someone else wrote this\n');
    expect(sections.get(2)?.out).toMatch(/changed underneath since it was planned/);
    expect(readFileSync(h, 'utf8')).toBe('appeared\n');
    expect(sections.get(3)).toEqual({ out: '', code: 0 });
    expect(readdirSync(d).sort()).toEqual(['f', 'g', 'h', 'i']);
  });

  it('in a batch, checks a file that several tasks write against what the first was planned on', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    const f = join(d, 'f');
    writeFileSync(f, 'changed meanwhile\n');
    const { sections } = apply([block(atomicWrite(f, 'one\n', undefined, undefined, sha256('orig\n'))), block(atomicWrite(f, 'two\n', undefined, undefined, sha256('one\n')))], PATH);
    expect(sections.get(0)?.code).toBe(1);
    expect(sections.get(0)?.out).toMatch(/changed underneath/);
    expect(readFileSync(f, 'utf8')).toBe('changed meanwhile\n');
  });

  it('fails the step with the reason, leaves no temp file, and runs nothing after it', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    const { sections } = apply([block(atomicWrite(join(d, 'no/such/dir/f'), 'x')), block(raw('echo never'))], PATH);
    expect(sections.get(0)?.code).toBe(1);
    expect(sections.get(0)?.out).toMatch(/no\/such\/dir\/f/);
    expect(sections.has(1)).toBe(false);
    expect(readdirSync(d)).toEqual([]);
  });
});

describe('temp files', () => {
  it('the shell path creates its temp file 0600, under a name no one can guess, before any content is in it', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    // a base64 that first says what it writes into: the file as created, before a byte is in it
    const bin = withoutOnPath('perl', 'base64');
    writeFileSync(join(bin, 'base64'), `#!/bin/sh\nm=$(stat -L -c '%a %s' /proc/$$/fd/1); t=$(readlink /proc/$$/fd/1)\necho "$m $t" >> ${d}/seen\nexec /usr/bin/base64 "$@"\n`, { mode: 0o755 });
    const { sections } = applyIn([block(atomicWrite(join(d, 'secret'), 'password\n', '0600')), block(atomicWrite(join(d, 'stricter'), 'x\n', '0400')), block(atomicWrite(join(d, 'public'), 'y\n', '0644'))], bin);
    expect([...sections.values()].map((x) => x.code)).toEqual([0, 0, 0]);
    const seen = readFileSync(join(d, 'seen'), 'utf8').trim().split('\n').map((l) => l.split(' '));
    expect(seen.map((l) => `${l[0]} ${l[1]}`)).toEqual(['600 0', '400 0', '600 0']);
    const names = seen.map((l) => l[2]);
    expect(names[0]).toMatch(new RegExp(`^${d}/\\.secret\\.fleet-[0-9a-f]{16}$`));
    expect(new Set(names).size).toBe(3);
    expect(statSync(join(d, 'secret')).mode & 0o777).toBe(0o600);
    expect(statSync(join(d, 'public')).mode & 0o777).toBe(0o644);
  });

  it.skipIf(!existsSync('/usr/bin/strace'))('the writer creates its temp file O_EXCL and 0600 (or stricter), under a random name, before it writes', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    const f = applyScript([block(atomicWrite(join(d, 'secret'), 'password\n', '0600')), block(atomicWrite(join(d, 'ro'), 'x\n', '0400'))]);
    const r = spawnSync('/usr/bin/strace', ['-f', '-qq', '-e', 'trace=openat,write', '-o', join(d, 'trace'), '/bin/sh', '-c', WRITER_SHELL], { input: f.script, encoding: 'utf8', env: { PATH: WRITER_ONLY }, timeout: 20_000 });
    expect(r.status).toBe(0);
    const trace = readFileSync(join(d, 'trace'), 'utf8').split('\n');
    const creates = trace.filter((l) => /openat\(.*\.fleet-/.test(l));
    expect(creates).toHaveLength(2);
    expect(creates[0]).toMatch(/"\.secret\.fleet-[0-9a-f]{16}", O_WRONLY\|O_CREAT\|O_EXCL\|O_NOFOLLOW(\|O_CLOEXEC)?, 0600\) = (\d+)/);
    expect(creates[1]).toMatch(/"\.ro\.fleet-[0-9a-f]{16}", O_WRONLY\|O_CREAT\|O_EXCL\|O_NOFOLLOW(\|O_CLOEXEC)?, 0400\) = (\d+)/);
    // the content is written after the create, into that descriptor
    const fd = /= (\d+)$/.exec(creates[0]!)![1];
    const at = trace.indexOf(creates[0]!);
    expect(trace.slice(at).some((l) => new RegExp(`write\\(${fd}, "password`).test(l))).toBe(true);
  });
});

describe('the writer on hosts without Digest::SHA (perl-base)', () => {
  it("hashes as sha256 does, at every padding boundary", () => {
    const code = /my @K = [^\n]*\n[\s\S]*?sub sha256 \{[\s\S]*?unpack 'H\*', pack 'N8', @h \}/.exec(WRITER_PROGRAM)?.[0];
    expect(code).toBeDefined();
    const lengths = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 70_000];
    const data = lengths.map((n) => randomBytes(n));
    const prog = `${code}\nbinmode STDIN; local $/; my @d = split /\\n/, <STDIN>; print sha256(pack 'H*', $_), "\\n" for @d;`;
    const r = spawnSync('perl', ['-e', prog], { input: data.map((b) => b.toString('hex')).join('\n') + '\n', encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(data.map((b) => sha256(b)));
  });
});

describe('owner and mode through the writer', () => {
  it('changes a directory through its descriptor, and goes through a symlinked directory root owns', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    mkdirSync(join(d, 'real'));
    mkdirSync(join(d, 'real', 'sub'));
    symlinkSync(join(d, 'real'), join(d, 'ours'));
    const { sections } = applyIn([block(setAttrs(join(d, 'ours', 'sub'), { mode: '2750', group: '12345' })), block(atomicWrite(join(d, 'ours', 'f'), 'f\n', '0640'))], WRITER_ONLY);
    expect([...sections.values()]).toEqual([{ out: '', code: 0 }, { out: '', code: 0 }]);
    expect(statSync(join(d, 'real', 'sub')).mode & 0o7777).toBe(0o2750);
    expect(statSync(join(d, 'real', 'sub')).gid).toBe(12345);
    expect(readFileSync(join(d, 'real', 'f'), 'utf8')).toBe('f\n');
    expect(lstatSync(join(d, 'ours')).isSymbolicLink()).toBe(true);
  });
});

describe('the writer process', () => {
  it("hands through the script's output and exit status", () => {
    const { r } = applyIn([block(raw('echo out; echo err >&2')), { steps: [raw('exit 7')], continueOnError: true }], WRITER_ONLY);
    expect(r.stdout).toContain('out\nerr\n');
    const code = spawnSync('/bin/sh', ['-c', WRITER_SHELL], { input: 'echo hi; exit 5\n', encoding: 'utf8', env: { PATH: WRITER_ONLY } });
    expect(code).toMatchObject({ status: 5, stdout: 'hi\n' });
  });

  it('ends with the script even when a process the script left behind holds its pipe', () => {
    const t0 = Date.now();
    const r = spawnSync('/bin/sh', ['-c', WRITER_SHELL], { input: 'sleep 30 >/dev/null 2>&1 &\necho started\n', encoding: 'utf8', env: { PATH: withoutOnPath() }, timeout: 20_000 });
    expect(r).toMatchObject({ status: 0, stdout: 'started\n' });
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('runs the script with plain sh where perl is missing', () => {
    const r = spawnSync('/bin/sh', ['-c', WRITER_SHELL], { input: 'echo "[$FLEET_WQ]"\n', encoding: 'utf8', env: { PATH: NO_PERL } });
    expect(r).toMatchObject({ status: 0, stdout: '[]\n' });
  });

  it('gets a run of tasks that only write files as one batch', () => {
    const f = applyScript([block(atomicWrite('/a', 'a')), block(atomicWrite('/b', 'b'), setAttrs('/b', { mode: '0600' })), block(raw('true')), block(atomicWrite('/c', 'c'))]);
    expect(f.script.match(/'G \S+ [\d:,]+'/g)).toEqual([`'G ${f.nonce} 0:1,1:2'`, `'G ${f.nonce} 3:1'`]);
  });

  it('fails the first task of a batch, and runs nothing after it, when the writer goes away mid-batch', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    const f = applyScript([block(atomicWrite(join(d, 'a'), 'a')), block(atomicWrite(join(d, 'b'), 'b')), block(raw(`echo never > ${d}/c`))]);
    // a writer that takes the requests (fd 4, /dev/null) and ends without an answer (fd 3 at EOF)
    const r = spawnSync('/bin/sh', ['-s'], { input: f.script, encoding: 'utf8', env: { PATH: WRITER_ONLY, FLEET_WQ: '4', FLEET_WR: '3' }, stdio: ['pipe', 'pipe', 'pipe', openSync('/dev/null', 'r'), openSync('/dev/null', 'w')] });
    const sections = parseFramed(r.stdout, f.nonce);
    expect([...sections.keys()]).toEqual([0]);
    expect(sections.get(0)).toEqual({ out: 'fleet: the writer process is gone (it did not start or ended early); writes of this batch may be done\n', code: 1 });
    expect(readdirSync(d)).toEqual([]);
  });

  it('fails the first task of a batch of a lean script, and runs nothing after it, where the writer did not start', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-writer-'));
    const f = applyScript([block(raw(`echo before > ${d}/z`)), block(atomicWrite(join(d, 'a'), 'a')), block(raw(`echo never > ${d}/c`))], undefined, '', true);
    const r = spawnSync('/bin/sh', ['-s'], { input: f.script, encoding: 'utf8', env: { PATH: withoutOnPath() } });
    const sections = parseFramed(r.stdout, f.nonce);
    expect([...sections.keys()]).toEqual([0, 1]);
    expect(sections.get(1)).toMatchObject({ out: expect.stringMatching(/^fleet: the writer process is gone/), code: 1 });
    expect(readdirSync(d)).toEqual(['z']);
  });

  it('is not started for an apply that writes no file', () => {
    expect(applyScript([block(raw('true'))]).writer).toBe(false);
  });
});
