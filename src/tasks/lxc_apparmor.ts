// Docker inside LXC after the Nov 2025 runc release: on plain LXC hosts narrow the AppArmor rule
// that denies runc's sysctl write; on Proxmox (generated profiles) upgrade lxc-pve, then restart the
// nesting guests one at a time. Never `unconfined` without force.
import { defineTask, isOk, type Change } from '../types.js';
import { bool, doc, object, string, withDefault, parseArgs } from '../schema/schema.js';
import { sh } from '../shell/sh.js';
import { aptPackageFact } from '../facts/apt.js';
import { contentId, fileFact } from '../facts/file.js';
import { apparmorKernelFact } from '../facts/virt.js';
import { CONTAINER_BASE, lxcHostFact, PATCH_MARKER } from '../facts/lxc.js';
import { compareDebVersions } from '../util/debversion.js';
import { aptTask } from './apt.js';
import { currentText } from './lib/content.js';
import { atomicWrite } from '../shell/sh.js';

export const OLD_RULE = 'deny /sys/[^fdc]*{,/**} wklx,';
export const NEW_RULE = 'deny /sys/[^fdcn]*{,/**} wklx,';
const PROFILES = '/etc/apparmor.d/lxc-containers';
const UNCONFINED_WHY = 'lxc.apparmor.profile: unconfined removes all AppArmor mediation from the guest, so a container escape inside it reaches the host';

export const lxcApparmorTask = defineTask({
  type: 'lxc_apparmor',
  severity: 'high',
  description: 'Let Docker run inside LXC guests after the Nov 2025 runc release: narrow the LXC AppArmor rule on plain LXC hosts (validated with apparmor_parser), or upgrade lxc-pve on Proxmox and restart nesting guests one at a time.',
  args: object({
    min_lxc_pve: doc(withDefault(string(), '6.0.5-2'), 'Proxmox: the first lxc-pve that does not restrict /proc and /sys for nesting guests'),
    restart_guests: doc(withDefault(bool(), false), 'Proxmox: after the upgrade, reboot running guests with nesting=1, one at a time'),
    force: doc(withDefault(bool(), false), 'proceed although a guest runs with lxc.apparmor.profile: unconfined'),
  }),
  facts: () => ({ lxc: lxcHostFact(), base: fileFact(CONTAINER_BASE), pve: aptPackageFact('lxc-pve'), kernel: apparmorKernelFact() }),
  plan(a, { lxc, base, pve, kernel }) {
    const unconfined = [...lxc.guests.filter((g) => g.unconfined).map((g) => `guest ${g.id}`), ...lxc.unconfinedPlain];
    if (unconfined.length && !a.force) throw new Error(`refusing: ${unconfined.join(', ')} use${unconfined.length === 1 ? 's' : ''} ${UNCONFINED_WHY}; give it a confined profile, or set force: true to proceed anyway`);
    const warnings = unconfined.length ? [`${unconfined.join(', ')}: ${UNCONFINED_WHY}`] : undefined;
    if (lxc.proxmox) {
      if (!pve.installed) throw new Error('this looks like Proxmox (pveversion or /etc/pve) but lxc-pve is not installed');
      if (compareDebVersions(pve.installed, a.min_lxc_pve) >= 0) return { ok: `Proxmox: lxc-pve ${pve.installed} >= ${a.min_lxc_pve} (generated profiles allow nesting)` };
      // refresh the index when it does not offer a fixed lxc-pve yet; verify says so if none comes
      const offered = pve.candidate !== undefined && compareDebVersions(pve.candidate, a.min_lxc_pve) >= 0;
      const up = aptTask.plan(parseArgs(aptTask.args, { name: 'lxc-pve', state: 'latest', update_cache: offered ? 'auto' : 'true' }), { 'lxc-pve': pve });
      if (isOk(up)) throw new Error(`lxc-pve ${a.min_lxc_pve} or later is not available (candidate: ${pve.candidate ?? 'none'}); check the Proxmox repository`);
      const changes: Change[] = up.map((c) => ({ ...c, summary: `Proxmox: ${c.summary} (profiles are generated: editing container-base has no effect here)`, warnings }));
      const reboot = lxc.guests.filter((g) => g.nesting && g.running);
      if (a.restart_guests && reboot.length) {
        changes.push({ summary: `reboot nesting guests one at a time: ${reboot.map((g) => g.id).join(', ')}`, steps: reboot.map((g) => sh`pct reboot ${g.id}`), invalidates: ['lxc:host'] });
      } else if (reboot.length) {
        for (const c of changes) c.warnings = [...(c.warnings ?? []), `restart the nesting guests (${reboot.map((g) => g.id).join(', ')}) for the new profile to apply, or set restart_guests: true`];
      }
      return changes;
    }
    const text = currentText(CONTAINER_BASE, base);
    if (text === undefined) return { ok: `no LXC AppArmor abstraction here (${CONTAINER_BASE})` };
    if (!text.includes(OLD_RULE)) return { ok: `${CONTAINER_BASE} lets nested Docker write its sysctls` };
    const after = text.split(OLD_RULE).join(NEW_RULE);
    const validate = kernel ? sh`apparmor_parser -r ${PROFILES}` : sh`apparmor_parser -Q -K ${PROFILES} 2>/dev/null`;
    return [
      {
        summary: `${lxc.patchedBefore ? 'the old rule is back (package upgrade?): ' : ''}narrow the /sys deny rule in ${CONTAINER_BASE} and ${kernel ? 'reload' : 'parse'} the LXC profiles`,
        diff: { path: CONTAINER_BASE, before: text, after },
        steps: [
          sh`cp -p ${CONTAINER_BASE} ${CONTAINER_BASE}.fleet-previous`,
          atomicWrite(CONTAINER_BASE, after, undefined, undefined, contentId(base)),
          // a profile that does not parse is put back before anything loads it
          sh`if ! ${validate}; then mv -f ${CONTAINER_BASE}.fleet-previous ${CONTAINER_BASE}; echo "apparmor_parser rejected the patched profile; restored" >&2; exit 1; fi`,
          sh`rm -f ${CONTAINER_BASE}.fleet-previous; mkdir -p /var/lib/fleet && date -u +%FT%TZ > ${PATCH_MARKER}`,
        ],
        invalidates: [`file:${CONTAINER_BASE}`, 'lxc:host'],
        warnings: [...(warnings ?? []), 'restart the LXC guests for the narrowed rule to apply to them; a later lxc package upgrade may restore the old rule (fleet detects it)'],
      },
    ];
  },
});
