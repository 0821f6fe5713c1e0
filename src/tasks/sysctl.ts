import { defineTask, type Change } from '../types.js';
import { bool, doc, object, oneOf, string, withDefault } from '../schema/schema.js';
import { sh } from '../shell/sh.js';
import { fileFact } from '../facts/file.js';
import { normalizeSysctl, sysctlFact } from '../facts/sysctl.js';
import { currentText, planContent } from './lib/content.js';
import { editLine } from './lib/text-edit.js';

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const sysctlTask = defineTask({
  type: 'sysctl',
  description: 'A kernel parameter: the live value and the persisted line in a sysctl.d file, compared and changed separately.',
  args: object({
    name: doc(string(), 'parameter, e.g. net.ipv4.ip_forward'),
    value: doc(withDefault(string(), ''), 'wanted value'),
    state: doc(withDefault(oneOf(['present', 'absent']), 'present'), 'absent removes the persisted line (the live value is left)'),
    sysctl_file: doc(withDefault(string(), '/etc/sysctl.d/99-fleet.conf'), 'file holding the persisted line'),
    reload: doc(withDefault(bool(), true), 'also set the live value'),
  }),
  facts: (a) => ({ live: sysctlFact(a.name), file: fileFact(a.sysctl_file) }),
  plan(a, { live, file }) {
    if (live === undefined) throw new Error(`kernel parameter ${a.name} does not exist on this host (no /proc/sys/${a.name.replace(/\./g, '/')})`);
    const value = normalizeSysctl(a.value);
    const changes: Change[] = [];
    if (a.state === 'present' && a.reload && normalizeSysctl(live) !== value) {
      changes.push({ summary: `live ${a.name}: ${live} -> ${value}`, steps: [sh`sysctl -q -w ${`${a.name}=${value}`}`], invalidates: [`sysctl:${a.name}`] });
    }
    const before = currentText(a.sysctl_file, file) ?? '';
    const edit = { regexp: `^\\s*${escapeRe(a.name)}\\s*=`, line: `${a.name} = ${value}`, state: a.state };
    const lineRe = new RegExp(edit.regexp);
    const persistedValue = before.split('\n').filter((l) => lineRe.test(l)).map((l) => normalizeSysctl(l.slice(l.indexOf('=') + 1))).pop();
    // `name=value` and `name = value` persist the same thing: leave a matching line as written
    const persistedOk = a.state === 'present' ? persistedValue === value : persistedValue === undefined;
    if (!persistedOk && !(a.state === 'absent' && !file.exists)) {
      const persisted = planContent(a.sysctl_file, file, editLine(before, edit), {});
      if (Array.isArray(persisted)) changes.push(...persisted.map((c) => ({ ...c, summary: `${a.state === "absent" ? "remove" : "persist"} ${a.name} in ${a.sysctl_file}` })));
    }
    return changes.length ? changes : { ok: a.state === 'present' ? `${a.name} is ${value}, live and persisted` : `${a.name} is not persisted` };
  },
});
