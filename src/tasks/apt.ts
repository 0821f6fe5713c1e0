import { defineTask, type Change } from '../types.js';
import { bool, doc, int, list, object, oneOf, optional, SchemaError, string, withDefault } from '../schema/schema.js';
import { raw, record, sh, type Script } from '../shell/sh.js';
import { aptPackageFact, type AptPackage } from '../facts/apt.js';
import { compareDebVersions } from '../util/debversion.js';
import { matchVersion, versionMatches } from './lib/apt-plan.js';

const APT = raw('DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold');

export const aptTask = defineTask({
  type: 'apt',
  description: 'Debian packages present, absent, latest or at an exact version, held or not; the package index is refreshed only when an install needs it.',
  args: object(
    {
      name: doc(list(string(), { acceptSingle: true }), 'package name or list of names'),
      state: doc(withDefault(oneOf(['present', 'absent', 'latest']), 'present'), 'present, absent or latest'),
      version: doc(optional(string()), "exact version, or a prefix glob such as '1.7.28-1*' (one package only)"),
      allow_downgrade: doc(withDefault(bool(), false), 'allow installing a version lower than the installed one'),
      hold: doc(optional(bool()), 'true: apt-mark hold; false: unhold; unset: leave as is'),
      update_cache: doc(withDefault(oneOf(['auto', 'true', 'false']), 'auto'), "'auto' refreshes only when a wanted package or version is unknown or the index is older than cache_valid_time"),
      cache_valid_time: doc(withDefault(int({ min: 0 }), 86400), 'seconds an index is fresh enough for auto refresh'),
      purge: doc(withDefault(bool(), false), 'remove configuration files too (state absent)'),
    },
    (a, path) => {
      if (a.version && a.name.length !== 1) throw new SchemaError([...path, 'version'], 'needs exactly one package name');
      if (a.version && a.state !== 'present') throw new SchemaError([...path, 'version'], "needs state 'present'");
    },
  ),
  facts: (a) => Object.fromEntries(a.name.map((n) => [n, aptPackageFact(n)])),
  plan(a, now) {
    const pkgs = a.name.map((n) => now[n] as AptPackage);
    const installs: string[] = [];
    const summaries: string[] = [];
    let refresh = a.update_cache === 'true';
    let moveHeld = false;
    let downgrade = false;
    const removes: string[] = [];
    for (const p of pkgs) {
      if (a.state === 'absent') {
        if (p.installed) {
          removes.push(p.name);
          summaries.push(`remove ${p.name} ${p.installed}`);
        }
        continue;
      }
      const stale = p.listsAge > a.cache_valid_time;
      if (a.version) {
        if (versionMatches(p.installed, a.version)) continue;
        const v = matchVersion(p, a.version);
        if (!v) {
          if (a.update_cache === 'false') throw new Error(`${p.name} ${a.version} is not available (known: ${p.versions.map((x) => x.version).join(', ') || 'none'}); enable update_cache or add the repository`);
          refresh = true;
          installs.push(`${p.name}=${a.version}`);
          summaries.push(`refresh the package index, then install ${p.name} ${a.version}${p.installed ? ` (installed: ${p.installed})` : ''}`);
          continue;
        }
        if (p.installed && compareDebVersions(v, p.installed) < 0) {
          if (!a.allow_downgrade) throw new Error(`${p.name} ${p.installed} is installed and ${v} is lower; set allow_downgrade: true to downgrade`);
          downgrade = true;
        }
        if (p.held) moveHeld = true;
        installs.push(`${p.name}=${v}`);
        summaries.push(p.installed ? `${compareDebVersions(v, p.installed) < 0 ? 'downgrade' : 'upgrade'} ${p.name} ${p.installed} -> ${v}` : `install ${p.name} ${v}`);
      } else if (!p.installed || (a.state === 'latest' && p.candidate && p.candidate !== p.installed)) {
        if (!p.candidate || (a.update_cache === 'auto' && stale && a.state === 'latest')) {
          if (a.update_cache === 'false' && !p.candidate) throw new Error(`${p.name} has no installation candidate; enable update_cache or add the repository`);
          if (a.update_cache !== 'false') refresh = true;
        }
        if (p.held && p.installed) moveHeld = true;
        installs.push(p.name);
        summaries.push(p.installed ? `upgrade ${p.name} ${p.installed} -> ${p.candidate}` : `install ${p.name}${p.candidate ? ` ${p.candidate}` : ' (version decided after the index refresh)'}`);
      }
    }
    const steps: Script[] = [];
    const touched = pkgs.filter((p) => installs.some((i) => i === p.name || i.startsWith(`${p.name}=`)) || removes.includes(p.name));
    steps.push(...touched.map((p) => record('pkg', p.name, p.installed ?? '-')));
    if (refresh && (installs.length || a.update_cache === 'true')) steps.push(sh`${APT} update`);
    if (installs.length) steps.push(sh`${APT} install --no-install-recommends ${downgrade ? raw('--allow-downgrades') : raw('')} ${moveHeld ? raw('--allow-change-held-packages') : raw('')} ${installs}`);
    if (removes.length) steps.push(sh`${APT} ${a.purge ? raw('purge') : raw('remove')} ${removes}`);
    const changes: Change[] = [];
    const keys = pkgs.map((p) => `apt:${p.name}`);
    if (steps.length > touched.length) changes.push({ summary: summaries.join('; ') || 'refresh the package index', steps, invalidates: keys });
    if (a.hold !== undefined && a.state !== 'absent') {
      const flip = pkgs.filter((p) => p.held !== a.hold).map((p) => p.name);
      if (flip.length) changes.push({ summary: `${a.hold ? 'hold' : 'unhold'} ${flip.join(', ')}`, steps: [...flip.map((n) => record('hold', n, a.hold ? '0' : '1')), sh`apt-mark ${a.hold ? raw('hold') : raw('unhold')} ${flip}`], invalidates: keys });
    }
    if (changes.length) return changes;
    const state = a.state === 'absent' ? 'absent' : a.version ? `at ${a.version}` : a.state === 'latest' ? 'at the candidate version' : 'installed';
    return { ok: `${a.name.join(', ')} ${a.name.length > 1 ? 'are' : 'is'} ${state}${a.hold === undefined ? '' : a.hold ? ' and held' : ' and not held'}` };
  },
});
