import { describe, expect, it } from 'vitest';
import { matchVersion, okReason, packageAction, versionMatches, type AptWant } from '../../../src/tasks/lib/apt-plan.js';
import type { AptPackage } from '../../../src/facts/apt.js';

const pkg = (o: Partial<AptPackage> = {}): AptPackage => ({
  name: 'containerd.io',
  installed: '1.7.28-2',
  held: false,
  candidate: '1.7.29-1',
  versions: ['1.7.29-1', '1.7.28-2', '1.7.28-1', '1.7.28-1~debian.12~bookworm', '1.7.280-1'].map((version) => ({ version, priority: 500, installed: version === '1.7.28-2' })),
  listsAge: 60,
  ...o,
});
const want = (o: Partial<AptWant> = {}): AptWant => ({ state: 'present', allow_downgrade: false, update_cache: 'auto', cache_valid_time: 86400, purge: false, ...o });

describe('versions', () => {
  it('an exact version wins over its ~ variants; a glob takes the highest match', () => {
    expect(matchVersion(pkg(), '1.7.28-1')).toBe('1.7.28-1');
    expect(matchVersion(pkg({ versions: [{ version: '1.7.28-1~debian.12~bookworm', priority: 500, installed: false }] }), '1.7.28-1')).toBe('1.7.28-1~debian.12~bookworm');
    expect(matchVersion(pkg(), '1.7.28*')).toBe('1.7.280-1');
    expect(matchVersion(pkg(), '1.7.28-*')).toBe('1.7.28-2');
    expect(matchVersion(pkg(), '1.7.30-1')).toBeUndefined();
  });
  it('versionMatches: exact, ~ suffix, glob prefix; never a longer number', () => {
    expect(versionMatches('1.7.28-1', '1.7.28-1')).toBe(true);
    expect(versionMatches('1.7.28-1~debian.12~bookworm', '1.7.28-1')).toBe(true);
    expect(versionMatches('1.7.28-10', '1.7.28-1')).toBe(false);
    expect(versionMatches('1.7.28-10', '1.7.28-1*')).toBe(true);
    expect(versionMatches(undefined, '1*')).toBe(false);
  });
});

describe('packageAction', () => {
  it('present: nothing when installed, install with the candidate when not', () => {
    expect(packageAction(want(), pkg())).toEqual({ kind: 'none' });
    expect(packageAction(want(), pkg({ installed: undefined }))).toEqual({ kind: 'install', spec: 'containerd.io', summary: 'install containerd.io 1.7.29-1', refresh: false, downgrade: false, held: false });
  });
  it('no candidate or a stale index: refresh first, and say the version is decided then', () => {
    for (const p of [pkg({ installed: undefined, candidate: undefined }), pkg({ installed: undefined, listsAge: 90000 }), pkg({ installed: undefined, listsAge: Infinity })]) {
      expect(packageAction(want(), p)).toMatchObject({ kind: 'install', refresh: true, summary: 'install containerd.io (version decided after the refresh)' });
    }
    expect(packageAction(want({ cache_valid_time: 100000 }), pkg({ installed: undefined, listsAge: 90000 }))).toMatchObject({ refresh: false });
  });
  it('update_cache false: never refresh; an unknown package is an error with the fix', () => {
    expect(packageAction(want({ update_cache: false }), pkg({ installed: undefined, listsAge: Infinity }))).toMatchObject({ refresh: false });
    expect(() => packageAction(want({ update_cache: false }), pkg({ installed: undefined, candidate: undefined }))).toThrow('containerd.io has no installation candidate; set update_cache to refresh the index, or add the repository');
    expect(() => packageAction(want({ update_cache: false, version: '9.9' }), pkg())).toThrow(/containerd\.io 9\.9 is not available \(known: 1\.7\.29-1, .*\); set update_cache/);
  });
  it('latest: upgrade to the candidate; nothing when at it (or above it)', () => {
    expect(packageAction(want({ state: 'latest' }), pkg())).toMatchObject({ kind: 'install', spec: 'containerd.io', summary: 'upgrade containerd.io 1.7.28-2 -> 1.7.29-1', refresh: false });
    expect(packageAction(want({ state: 'latest' }), pkg({ candidate: '1.7.28-2' }))).toEqual({ kind: 'none' });
    expect(packageAction(want({ state: 'latest' }), pkg({ candidate: '1.7.28-1' }))).toEqual({ kind: 'none' });
  });
  it('latest on a stale index refreshes and lets apt decide; a held package is upgraded with a warning', () => {
    expect(packageAction(want({ state: 'latest' }), pkg({ candidate: '1.7.28-2', listsAge: 90000, held: true }))).toEqual({
      kind: 'install', spec: 'containerd.io', summary: 'upgrade containerd.io if a newer version is available (installed: 1.7.28-2)', refresh: true, downgrade: false, held: true,
      warning: 'containerd.io is held; state latest upgrades it anyway',
    });
  });
  it('version: exact, upgrade, downgrade refused or allowed, unknown -> refresh', () => {
    expect(packageAction(want({ version: '1.7.28-2' }), pkg())).toEqual({ kind: 'none' });
    expect(packageAction(want({ version: '1.7.29-1' }), pkg())).toMatchObject({ spec: 'containerd.io=1.7.29-1', summary: 'upgrade containerd.io 1.7.28-2 -> 1.7.29-1', downgrade: false });
    expect(() => packageAction(want({ version: '1.7.28-1' }), pkg())).toThrow('containerd.io 1.7.28-2 is installed and 1.7.28-1 is lower; set allow_downgrade: true to downgrade');
    expect(packageAction(want({ version: '1.7.28-1', allow_downgrade: true }), pkg())).toMatchObject({ spec: 'containerd.io=1.7.28-1', summary: 'downgrade containerd.io 1.7.28-2 -> 1.7.28-1', downgrade: true });
    expect(packageAction(want({ version: '1.7.30-1' }), pkg())).toMatchObject({ spec: 'containerd.io=1.7.30-1', summary: 'install containerd.io 1.7.30-1 (installed: 1.7.28-2)', refresh: true, downgrade: false });
    expect(() => packageAction(want({ version: '1.7.0-1' }), pkg({ versions: [] }))).toThrow(/is lower; set allow_downgrade/);
    expect(packageAction(want({ version: '1.7*' }), pkg({ versions: [] }))).toEqual({ kind: 'none' });
    expect(packageAction(want({ version: '1.8*' }), pkg({ versions: [] }))).toMatchObject({ spec: 'containerd.io=1.8*', refresh: true });
  });
  it('a pinned version on a stale index refreshes too', () => {
    expect(packageAction(want({ version: '1.7.29-1' }), pkg({ listsAge: 90000 }))).toMatchObject({ refresh: true, summary: 'upgrade containerd.io 1.7.28-2 -> 1.7.29-1' });
  });
  it('absent: remove, purge, purge leftover configuration; nothing when gone', () => {
    expect(packageAction(want({ state: 'absent' }), pkg({ held: true }))).toEqual({ kind: 'remove', summary: 'remove containerd.io 1.7.28-2', held: true });
    expect(packageAction(want({ state: 'absent', purge: true }), pkg())).toMatchObject({ kind: 'remove', summary: 'purge containerd.io 1.7.28-2' });
    expect(packageAction(want({ state: 'absent', purge: true }), pkg({ installed: undefined, configFiles: true }))).toMatchObject({ kind: 'remove', summary: 'purge the configuration files of containerd.io' });
    expect(packageAction(want({ state: 'absent' }), pkg({ installed: undefined, configFiles: true }))).toEqual({ kind: 'none' });
  });
  it('refuses a package dpkg left half done', () => {
    expect(() => packageAction(want(), pkg({ broken: 'half-configured' }))).toThrow("containerd.io is in dpkg state 'half-configured'; repair it first (dpkg --configure -a, or apt-get -f install)");
  });
  it('says why nothing is needed', () => {
    expect(okReason(['a'], want(), undefined)).toBe('a is installed');
    expect(okReason(['a', 'b'], want({ state: 'latest' }), true)).toBe('a, b are at the candidate version and held');
    expect(okReason(['a'], want({ state: 'absent', purge: true }), true)).toBe('a is absent (purged)');
  });
});
