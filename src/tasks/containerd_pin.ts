// The Nov 2025 runc release broke Docker inside LXC: pin and hold the last good containerd.io (or
// runc) until the host is fixed. The pin re-opens three runc CVEs, so every change says so.
import { defineTask, isOk, type Change } from '../types.js';
import { bool, doc, int, object, oneOf, optional, SchemaError, withDefault, plain } from '../schema/schema.js';
import { backup, record, sh } from '../shell/sh.js';
import { aptPackageFact, type AptPackage } from '../facts/apt.js';
import { fileFact } from '../facts/file.js';
import { containerTypeFact } from '../facts/virt.js';
import { parseArgs } from '../schema/schema.js';
import { aptTask } from './apt.js';
import { planContent } from './lib/content.js';
import { matchVersion, versionMatches } from './lib/apt-plan.js';

export const PIN_WARNING = 'this pin keeps runc without the fixes for CVE-2025-31133, CVE-2025-52565 and CVE-2025-52881 (container escapes): make it temporary — fix the LXC host, then lift it with state: absent';

const prefPath = (pkg: string) => `/etc/apt/preferences.d/fleet-${pkg}.pref`;

export const containerdPinTask = defineTask({
  type: 'containerd_pin',
  severity: 'high',
  description: 'Pin (apt preferences, priority >= 1000) and hold containerd.io — or runc where Docker comes from the distribution — at a known-good version, downgrading only when allowed; state absent lifts the pin. Restart containerd and docker with handlers.',
  args: object(
    {
      version: doc(optional(plain()), "version to pin, matched as a prefix: '1.7.28-1' matches '1.7.28-1~debian.12~bookworm'"),
      package: doc(withDefault(oneOf(['auto', 'containerd.io', 'runc']), 'auto'), "'auto': containerd.io when installed (Docker's packages), else runc (the distribution's)"),
      state: doc(withDefault(oneOf(['present', 'absent']), 'present'), 'absent lifts the pin and the hold (it does not upgrade by itself)'),
      allow_downgrade: doc(withDefault(bool(), false), 'allow installing a version lower than the installed one'),
      priority: doc(withDefault(int({ min: 1000 }), 1001), 'Pin-Priority; >= 1000 lets apt downgrade to the pin'),
      scope: doc(withDefault(oneOf(['lxc-guests', 'all']), 'lxc-guests'), "'lxc-guests': act only where systemd-detect-virt --container says lxc"),
    },
    (a, path) => {
      if (a.state === 'present' && !a.version) throw new SchemaError([...path, 'version'], "is required with state 'present'");
    },
  ),
  facts: () => ({
    virt: containerTypeFact(),
    containerd: aptPackageFact('containerd.io'),
    runc: aptPackageFact('runc'),
    prefContainerd: fileFact(prefPath('containerd.io')),
    prefRunc: fileFact(prefPath('runc')),
  }),
  plan(a, now) {
    if (a.scope === 'lxc-guests' && now.virt !== 'lxc') return { ok: `not an LXC guest (container: ${now.virt}); scope is lxc-guests` };
    const name = a.package !== 'auto' ? a.package : now.containerd.installed ? 'containerd.io' : now.runc.installed ? 'runc' : undefined;
    if (!name) {
      if (a.state === 'absent') return { ok: 'neither containerd.io nor runc is installed' };
      throw new Error('neither containerd.io nor runc is installed; nothing to pin');
    }
    const pkg: AptPackage = name === 'runc' ? now.runc : now.containerd;
    const pref = name === 'runc' ? now.prefRunc : now.prefContainerd;
    const keys = [`apt:${name}`, `file:${prefPath(name)}`];
    if (a.state === 'absent') {
      const changes: Change[] = [];
      if (pref.exists) changes.push({ summary: `remove the pin ${prefPath(name)}`, diff: { path: prefPath(name), before: pref.exists && pref.content ? pref.content : '', after: '' }, steps: [backup(prefPath(name)), sh`rm -f ${prefPath(name)}`], invalidates: keys });
      if (pkg.held) changes.push({ summary: `unhold ${name}`, steps: [record('hold', name, '1'), sh`apt-mark unhold ${name}`], invalidates: keys });
      return changes.length ? changes : { ok: `${name} is not pinned or held by fleet` };
    }
    const version = a.version!;
    const exact = matchVersion(pkg, version) ?? version;
    const content = `# fleet containerd_pin: ${PIN_WARNING}\nPackage: ${name}\nPin: version ${version.endsWith('*') ? version : `${version}*`}\nPin-Priority: ${a.priority}\n`;
    const changes: Change[] = [];
    const prefPlan = planContent(prefPath(name), pref, content, { mode: '0644' });
    if (!isOk(prefPlan)) changes.push(...prefPlan.map((c) => ({ ...c, summary: `pin ${name} ${version} (priority ${a.priority}): ${c.summary}`, invalidates: keys })));
    const aptPlan = aptTask.plan(parseArgs(aptTask.args, { name, version: exact, allow_downgrade: a.allow_downgrade, hold: true }), { [name]: pkg });
    if (!isOk(aptPlan)) changes.push(...aptPlan);
    return changes.length ? changes.map((c) => ({ ...c, warnings: [PIN_WARNING] })) : { ok: `${name} is pinned at ${pkg.installed} and held (${PIN_WARNING})` };
  },
  verify(a, now) {
    if (a.scope === 'lxc-guests' && now.virt !== 'lxc') return undefined;
    const pkg = now.containerd.installed || a.package === 'containerd.io' ? now.containerd : now.runc;
    if (a.state === 'absent') return pkg.held ? `${pkg.name} is still held` : undefined;
    if (!versionMatches(pkg.installed, a.version!)) return `${pkg.name} is ${pkg.installed ?? 'not installed'}, not ${a.version}`;
    if (!versionMatches(pkg.candidate, a.version!)) return `apt-cache policy still offers ${pkg.candidate} as candidate: the pin does not take`;
    return pkg.held ? undefined : `${pkg.name} is not held`;
  },
});
