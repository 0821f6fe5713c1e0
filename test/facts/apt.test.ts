// apt facts against real probe output captured on Debian 12 (the host and a lab container).
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { aptPackageFact, parseAptPolicy, parseAptProbe, parseDpkgStatus } from '../../src/facts/apt.js';
import { gatherLocal } from '../support/run-local.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
// toEqual on chosen fields: a missing key and an undefined one compare equal
const pick = <T extends object>(o: T, keys: (keyof T)[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));

describe('parseAptPolicy', () => {
  it('reads installed, candidate and the whole version table', () => {
    const p = parseAptProbe('bash', fixture('apt-host-bash.txt'));
    expect(p).toEqual({
      name: 'bash',
      installed: '5.2.15-2+b8',
      held: false,
      candidate: '5.2.15-2+b13',
      versions: [
        { version: '5.2.15-2+b13', priority: 500, installed: false },
        { version: '5.2.15-2+b8', priority: 100, installed: true },
      ],
      listsAge: 1795402092 - 1795395736,
    });
  });
  it('a package that is not installed: several versions from several sources', () => {
    const p = parseAptProbe('nginx-light', fixture('apt-host-nginx-light.txt'));
    expect(pick(p, ['installed', 'candidate', 'held'])).toEqual({ installed: undefined, candidate: '1.22.1-9+deb12u11', held: false });
    expect(p.versions.map((v) => v.version)).toEqual(['1.22.1-9+deb12u11', '1.22.1-9+deb12u9']);
  });
  it('an unknown package and a virtual one have no candidate and no versions', () => {
    for (const f of ['apt-host-no-such-pkg-xyz.txt', 'apt-host-mail-transport-agent.txt']) {
      expect(pick(parseAptProbe('x', fixture(f)), ['installed', 'candidate', 'versions'])).toEqual({ installed: undefined, candidate: undefined, versions: [] });
    }
  });
  it('a held package with a pin (priority 1001), on a host without package lists', () => {
    expect(parseAptProbe('runc', fixture('apt-lab-runc.txt'))).toEqual({
      name: 'runc',
      installed: '1.1.5+ds1-1+deb12u1',
      held: true,
      candidate: '1.1.5+ds1-1+deb12u1',
      versions: [{ version: '1.1.5+ds1-1+deb12u1', priority: 1001, installed: true }],
      listsAge: Infinity,
    });
  });
  it('a removed package whose configuration files remain', () => {
    expect(pick(parseAptProbe('dnsmasq', fixture('apt-lab-dnsmasq.txt')), ['installed', 'configFiles', 'candidate', 'versions'])).toEqual({
      installed: undefined,
      configFiles: true,
      candidate: undefined,
      versions: [{ version: '2.90-4~deb12u2', priority: -1, installed: false }],
    });
  });
  it('tolerates a probe cut short', () => {
    expect(parseAptPolicy('')).toEqual({ installed: undefined, candidate: undefined, versions: [] });
    expect(parseAptProbe('x', '')).toMatchObject({ held: false, versions: [], listsAge: Infinity });
  });
});

describe('parseDpkgStatus', () => {
  it.each([
    ['install ok installed|1.0-1', { installed: '1.0-1' }],
    ['hold ok installed|1.0-1', { installed: '1.0-1' }],
    ['deinstall ok config-files|1.0-1', { configFiles: true }],
    ['unknown ok not-installed|', {}],
    ['', {}],
    ['install ok half-configured|1.0-1', { broken: 'half-configured' }],
    ['install reinstreq half-installed|1.0-1', { broken: 'half-installed' }],
  ])('%s', (line, want) => {
    expect(parseDpkgStatus(line)).toEqual(want);
  });
});

describe.skipIf(spawnSync('sh', ['-c', 'command -v dpkg-query && command -v apt-cache']).status !== 0)('the real probe on this machine', () => {
  it('agrees with dpkg-query and measures the index age with the same clock', () => {
    const want = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'dpkg'], { encoding: 'utf8' }).stdout;
    const { p } = gatherLocal({ p: aptPackageFact('dpkg') });
    expect(p.installed).toBe(want);
    expect(p.versions.some((v) => v.installed && v.version === want)).toBe(true);
    expect(p.listsAge).toBeGreaterThanOrEqual(0);
    const { q } = gatherLocal({ q: aptPackageFact('no-such-package-fleet') });
    expect(pick(q, ['installed', 'candidate', 'held', 'versions'])).toEqual({ installed: undefined, candidate: undefined, held: false, versions: [] });
    // apt-cache reads the whole package index: seconds on a machine with full lists under load
  }, 30_000);
});
