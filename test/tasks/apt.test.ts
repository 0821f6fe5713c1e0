// apt: args + facts (real probe output where it matters) -> plan.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseArgs, SchemaError } from '../../src/schema/schema.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { aptTask } from '../../src/tasks/apt.js';
import { parseAptProbe, type AptPackage } from '../../src/facts/apt.js';

const APT = 'DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold';
const REFRESH = [`${APT} update`, 'mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/update-success-stamp'];
const real = (file: string, name: string) => parseAptProbe(name, readFileSync(new URL(`../facts/fixtures/${file}`, import.meta.url), 'utf8'));
const changes = (p: Plan) => (isOk(p) ? [] : (p as Change[]));
const steps = (c: Change) => c.steps.map((s) => s.text).filter((t) => !t.startsWith('if command -v fleet_'));
const plan = (args: object, ...pkgs: AptPackage[]) => aptTask.plan(parseArgs(aptTask.args, args), Object.fromEntries(pkgs.map((p) => [p.name, p])));
const fresh = (p: AptPackage): AptPackage => ({ ...p, listsAge: 60 });

const bash = fresh(real('apt-host-bash.txt', 'bash')); // 5.2.15-2+b8 installed, candidate +b13
const nginx = fresh(real('apt-host-nginx-light.txt', 'nginx-light')); // not installed
const runc = real('apt-lab-runc.txt', 'runc'); // held, no package lists at all

describe('apt plan', () => {
  it('install a missing package with its candidate', () => {
    const p = plan({ name: 'nginx-light' }, nginx);
    expect(changes(p)).toHaveLength(1);
    expect(changes(p)[0]!.summary).toBe('install nginx-light 1.22.1-9+deb12u11');
    expect(steps(changes(p)[0]!)).toEqual([`${APT} install --no-install-recommends nginx-light`]);
    expect(changes(p)[0]!.invalidates).toEqual(['apt:nginx-light']);
  });
  it('already installed: ok with the reason', () => {
    expect(plan({ name: 'bash' }, bash)).toEqual({ ok: 'bash is installed' });
    expect(plan({ name: ['bash', 'runc'], hold: true }, bash.held ? bash : { ...bash, held: true }, runc)).toEqual({ ok: 'bash, runc are installed and held' });
  });
  it('latest upgrades; several packages go in one apt-get call', () => {
    const p = plan({ name: ['bash', 'nginx-light'], state: 'latest' }, bash, nginx);
    expect(changes(p).map((c) => c.summary)).toEqual(['upgrade bash 5.2.15-2+b8 -> 5.2.15-2+b13; install nginx-light 1.22.1-9+deb12u11']);
    expect(steps(changes(p)[0]!)).toEqual([`${APT} install --no-install-recommends bash nginx-light`]);
    expect(changes(p)[0]!.invalidates).toEqual(['apt:bash', 'apt:nginx-light']);
  });
  it('an exact version; an unknown one refreshes the index first', () => {
    expect(steps(changes(plan({ name: 'bash', version: '5.2.15-2+b13' }, bash))[0]!)).toEqual([`${APT} install --no-install-recommends bash=5.2.15-2+b13`]);
    const p = changes(plan({ name: 'bash', version: '5.2.15-2+b99' }, bash))[0]!;
    expect(p.summary).toBe('refresh the package index, then install bash 5.2.15-2+b99 (installed: 5.2.15-2+b8)');
    expect(steps(p)).toEqual([...REFRESH, `${APT} install --no-install-recommends bash=5.2.15-2+b99`]);
  });
  it('downgrade refused, then allowed with --allow-downgrades', () => {
    const installed = { ...bash, installed: '5.2.15-2+b13', versions: bash.versions.map((v) => ({ ...v, installed: v.version === '5.2.15-2+b13' })) };
    expect(() => plan({ name: 'bash', version: '5.2.15-2+b8' }, installed)).toThrow('bash 5.2.15-2+b13 is installed and 5.2.15-2+b8 is lower; set allow_downgrade: true to downgrade');
    const p = changes(plan({ name: 'bash', version: '5.2.15-2+b8', allow_downgrade: true }, installed))[0]!;
    expect(p.summary).toBe('downgrade bash 5.2.15-2+b13 -> 5.2.15-2+b8');
    expect(steps(p)).toEqual([`${APT} install --no-install-recommends --allow-downgrades bash=5.2.15-2+b8`]);
  });
  it('moving a held package says so to apt; hold and unhold are their own changes', () => {
    const held = { ...bash, held: true };
    expect(steps(changes(plan({ name: 'bash', state: 'latest', hold: true }, held))[0]!)).toEqual([`${APT} install --no-install-recommends --allow-change-held-packages bash`]);
    expect(changes(plan({ name: 'bash', state: 'latest', hold: true }, held))[0]!.warnings).toEqual(['bash is held; state latest upgrades it anyway']);
    const h = changes(plan({ name: 'bash', hold: true }, bash));
    expect(h.map((c) => [c.summary, steps(c)])).toEqual([['hold bash', ['apt-mark hold bash']]]);
    const u = changes(plan({ name: ['bash', 'runc'], hold: false }, bash, runc));
    expect(u.map((c) => [c.summary, steps(c)])).toEqual([['unhold runc', ['apt-mark unhold runc']]]);
  });
  it('install then hold: two changes, in that order', () => {
    expect(changes(plan({ name: 'nginx-light', hold: true }, nginx)).map((c) => c.summary)).toEqual(['install nginx-light 1.22.1-9+deb12u11', 'hold nginx-light']);
  });
  it('absent: remove, purge, or ok', () => {
    expect(steps(changes(plan({ name: 'bash', state: 'absent' }, bash))[0]!)).toEqual([`${APT} remove bash`]);
    expect(steps(changes(plan({ name: 'runc', state: 'absent', purge: true }, runc))[0]!)).toEqual([`${APT} purge --allow-change-held-packages runc`]);
    const dnsmasq = real('apt-lab-dnsmasq.txt', 'dnsmasq');
    expect(changes(plan({ name: 'dnsmasq', state: 'absent', purge: true }, dnsmasq))[0]!.summary).toBe('purge the configuration files of dnsmasq');
    expect(plan({ name: 'dnsmasq', state: 'absent' }, dnsmasq)).toEqual({ ok: 'dnsmasq is absent' });
    expect(plan({ name: 'nginx-light', state: 'absent', hold: true }, nginx)).toEqual({ ok: 'nginx-light is absent' });
  });
  it('refresh needed: a host without package lists (check mode says so, still one change)', () => {
    const unknown = { ...real('apt-host-no-such-pkg-xyz.txt', 'fleet-demo'), listsAge: Infinity };
    const p = changes(plan({ name: 'fleet-demo' }, unknown));
    expect(p.map((c) => c.summary)).toEqual(['refresh the package index, then install fleet-demo (version decided after the refresh)']);
    expect(steps(p[0]!)).toEqual([...REFRESH, `${APT} install --no-install-recommends fleet-demo`]);
    expect(() => plan({ name: 'fleet-demo', update_cache: false }, unknown)).toThrow(/fleet-demo has no installation candidate/);
  });
  it('update_cache true refreshes a stale index even with nothing to install; auto does not', () => {
    const stale = { ...bash, listsAge: 90000 };
    expect(changes(plan({ name: 'bash', update_cache: true }, stale)).map((c) => [c.summary, steps(c)])).toEqual([['refresh the package index (older than 86400 s)', REFRESH]]);
    expect(plan({ name: 'bash', update_cache: 'auto' }, stale)).toEqual({ ok: 'bash is installed' });
    expect(plan({ name: 'bash', update_cache: 'yes' }, bash)).toEqual({ ok: 'bash is installed' });
  });
  it('records what it changes, for rollback', () => {
    const rec = (c: Change) => c.steps.map((s) => s.text).filter((t) => t.startsWith('if command -v fleet_record'));
    const [inst, hold] = changes(plan({ name: 'nginx-light', hold: true }, nginx));
    expect(rec(inst!)).toEqual(['if command -v fleet_record >/dev/null 2>&1; then fleet_record pkg nginx-light -; fi']);
    expect(rec(hold!)).toEqual(['if command -v fleet_record >/dev/null 2>&1; then fleet_record hold nginx-light 0; fi']);
  });
});

describe('apt arguments', () => {
  const bad = (args: object) => () => parseArgs(aptTask.args, args);
  it('rejects what apt would misread, naming the argument', () => {
    expect(bad({ name: '-oAPT::x=1' })).toThrow(SchemaError);
    expect(bad({ name: ['ok', 'nginx=1.2'] })).toThrow("argument 'name.1' 'nginx=1.2' is not a Debian package name; put the version in 'version:'");
    expect(bad({ name: 'a', version: '1 2' })).toThrow(/argument 'version' '1 2' is not a Debian version/);
    expect(bad({ name: ['a', 'b'], version: '1' })).toThrow("argument 'version' needs exactly one package name");
    expect(bad({ name: 'a', version: '1', state: 'latest' })).toThrow("argument 'version' needs state 'present'");
    expect(bad({ name: 'a', update_cache: 'sometimes' })).toThrow(`argument 'update_cache' must be true, false or 'auto', got "sometimes"`);
  });
  it('defaults', () => {
    expect(parseArgs(aptTask.args, { name: 'a' })).toEqual({ name: ['a'], state: 'present', allow_downgrade: false, update_cache: 'auto', cache_valid_time: 86400, purge: false });
  });
});
