// Controller files are replaced whole and are private: 0600 whatever the umask or the old file's mode.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/util/atomic-file.js';

describe('writeFileAtomic', () => {
  it('creates 0600 even with umask 0, and an old 0644 file becomes 0600', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-atomic-'));
    const old = process.umask(0);
    try {
      writeFileAtomic(join(dir, 'new.json'), 'a\n');
      writeFileSync(join(dir, 'old.json'), 'old\n', { mode: 0o644 });
      chmodSync(join(dir, 'old.json'), 0o644);
      writeFileAtomic(join(dir, 'old.json'), 'b\n');
    } finally {
      process.umask(old);
    }
    expect(statSync(join(dir, 'new.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'old.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'old.json'), 'utf8')).toBe('b\n');
    expect(readdirSync(dir).sort()).toEqual(['new.json', 'old.json']);
  });

  it('a strict umask still leaves the owner able to rewrite it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-atomic-'));
    const old = process.umask(0o277);
    try {
      writeFileAtomic(join(dir, 'f'), '1');
      writeFileAtomic(join(dir, 'f'), '2');
    } finally {
      process.umask(old);
    }
    expect(statSync(join(dir, 'f')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('2');
  });

  it("the temp file's name is not guessable: a link planted at the old fixed name is not followed", () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-atomic-'));
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'keep\n');
    symlinkSync(victim, join(dir, `report.json.tmp-${process.pid}`));
    writeFileAtomic(join(dir, 'report.json'), 'report\n');
    expect(readFileSync(victim, 'utf8')).toBe('keep\n');
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toBe('report\n');
  });
});
