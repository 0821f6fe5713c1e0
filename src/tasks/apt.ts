import { defineTask, type Change } from '../types.js';
import { bool, doc, int, list, object, oneOf, optional, SchemaError, string, withDefault, type Schema } from '../schema/schema.js';
import { raw, record, sh, type Script } from '../shell/sh.js';
import { aptPackageFact, type AptPackage } from '../facts/apt.js';
import { okReason, packageAction, type PackageAction } from './lib/apt-plan.js';

const APT = raw('DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold');
// a refresh that succeeded is stamped where apt's own daily job stamps it; the fact reads it back
const REFRESH = [sh`${APT} update`, sh`mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/update-success-stamp`];
// a name or version that starts with '-' would be read as an option, quoting or not
const PKG = /^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?$/;
const VERSION = /^[A-Za-z0-9.+~:*-]+$/;

/** true, false or 'auto' */
const boolOrAuto = (): Schema<boolean | 'auto'> => {
  const b = bool();
  const parse: Schema<boolean | 'auto'>['parse'] = (v, p, c) => {
    if (v === 'auto') return 'auto';
    try {
      return b.parse(v, p, c);
    } catch {
      throw new SchemaError(p, `must be true, false or 'auto', got ${JSON.stringify(v)}`);
    }
  };
  return { kind: 'bool-or-auto', describe: "boolean or 'auto'", parse };
};

export const aptTask = defineTask({
  type: 'apt',
  description:
    "Debian packages present, absent, latest or at an exact version, held or not. The package index is refreshed only when an install needs it (no candidate, unknown version, or an index older than cache_valid_time); the refresh is part of the change, so check mode says so. Installs are non-interactive, keep changed config files, and skip recommends.",
  args: object(
    {
      name: doc(list(string(), { acceptSingle: true }), 'package name or list of names (architecture qualifiers such as libc6:i386 allowed)'),
      state: doc(withDefault(oneOf(['present', 'absent', 'latest']), 'present'), "present: installed (any version); latest: at the candidate version; absent: removed"),
      version: doc(optional(string()), "exact Debian version, or a prefix glob such as '1.7.28-1*'; '1.7.28-1' also matches '1.7.28-1~debian.12~bookworm' (one package only)"),
      allow_downgrade: doc(withDefault(bool(), false), 'allow installing a version lower than the installed one; otherwise that is refused'),
      hold: doc(optional(bool()), 'true: apt-mark hold; false: apt-mark unhold; unset: leave the hold as it is'),
      update_cache: doc(withDefault(boolOrAuto(), 'auto'), "auto: refresh the index only when an install needs it; true: also refresh an index older than cache_valid_time when nothing is installed; false: never (an unknown package or version is then an error)"),
      cache_valid_time: doc(withDefault(int({ min: 0 }), 86400), 'seconds an index counts as fresh'),
      purge: doc(withDefault(bool(), false), 'with state absent: remove configuration files too (also of an already removed package)'),
    },
    (a, path) => {
      a.name.forEach((n, i) => {
        if (!PKG.test(n)) throw new SchemaError([...path, 'name', i], `'${n}' is not a Debian package name${n.includes('=') ? "; put the version in 'version:'" : ''}`);
      });
      if (a.version === undefined) return;
      if (!VERSION.test(a.version)) throw new SchemaError([...path, 'version'], `'${a.version}' is not a Debian version`);
      if (a.name.length !== 1) throw new SchemaError([...path, 'version'], 'needs exactly one package name');
      if (a.state !== 'present') throw new SchemaError([...path, 'version'], "needs state 'present'");
    },
  ),
  facts: (a) => Object.fromEntries(a.name.map((n) => [n, aptPackageFact(n)])),
  plan(a, now) {
    const pkgs = a.name.map((n) => now[n] as AptPackage);
    const keys = pkgs.map((p) => `apt:${p.name}`);
    const acts = pkgs.map((p) => [p, packageAction(a, p)] as const);
    const installs = acts.filter((x): x is readonly [AptPackage, Extract<PackageAction, { kind: 'install' }>] => x[1].kind === 'install');
    const removes = acts.filter((x): x is readonly [AptPackage, Extract<PackageAction, { kind: 'remove' }>] => x[1].kind === 'remove');
    const stale = a.update_cache === true && pkgs.some((p) => p.listsAge > a.cache_valid_time);
    const refresh = stale || installs.some(([, i]) => i.refresh);
    const changes: Change[] = [];
    if (installs.length || removes.length || refresh) {
      const steps: Script[] = [...[...installs, ...removes].map(([p]) => record('pkg', p.name, p.installed ?? '-'))];
      if (refresh) steps.push(...REFRESH);
      if (installs.length) {
        const down = installs.some(([, i]) => i.downgrade);
        const held = installs.some(([, i]) => i.held);
        steps.push(sh`${APT} install --no-install-recommends ${flags(down, held)}${installs.map(([, i]) => i.spec)}`);
      }
      if (removes.length) steps.push(sh`${APT} ${raw(a.purge ? 'purge' : 'remove')} ${flags(false, removes.some(([, r]) => r.held))}${removes.map(([p]) => p.name)}`);
      const what = [...installs, ...removes].map(([, x]) => x.summary).join('; ');
      const warnings = installs.flatMap(([, i]) => (i.warning ? [i.warning] : []));
      changes.push({
        summary: refresh ? `refresh the package index${what ? `, then ${what}` : ` (older than ${a.cache_valid_time} s)`}` : what,
        steps,
        invalidates: keys,
        ...(warnings.length ? { warnings } : {}),
      });
    }
    if (a.hold !== undefined && a.state !== 'absent') {
      const flip = pkgs.filter((p) => p.held !== a.hold).map((p) => p.name);
      if (flip.length) {
        const rec = flip.map((n) => record('hold', n, a.hold ? '0' : '1'));
        changes.push({ summary: `${a.hold ? 'hold' : 'unhold'} ${flip.join(', ')}`, steps: [...rec, sh`apt-mark ${raw(a.hold ? 'hold' : 'unhold')} ${flip}`], invalidates: keys });
      }
    }
    return changes.length ? changes : { ok: okReason(a.name, a, a.hold) };
  },
});

function flags(downgrade: boolean, held: boolean): Script {
  return raw(`${downgrade ? '--allow-downgrades ' : ''}${held ? '--allow-change-held-packages ' : ''}`);
}
