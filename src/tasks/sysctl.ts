import { defineTask, isOk, type Change } from '../types.js';
import { bool, doc, object, oneOf, SchemaError, string, withDefault, plain } from '../schema/schema.js';
import { sh } from '../shell/sh.js';
import { fileFact } from '../facts/file.js';
import { normalizeSysctl, sysctlFact, sysctlKey, sysctlPath } from '../facts/sysctl.js';
import { currentText, planContent } from './lib/content.js';
import { editSysctl, persistedValue } from './lib/sysctl-file.js';

// sysctl names: components of letters, digits and '_-@:+' (interface names), '.' or '/' between
const NAME = /^[A-Za-z0-9_@:+-]+([./][A-Za-z0-9_@:+-]+)*$/;

export const sysctlTask = defineTask({
  type: 'sysctl',
  description:
    'A kernel parameter: the live value (/proc/sys) and the persisted `name = value` line in a sysctl.d file are compared and changed separately, each change with its own summary; the file is rewritten atomically and keeps its other lines. Multi-value parameters compare word by word (tabs and spaces alike). A parameter the host does not have is an error.',
  args: object(
    {
      name: doc(string(), 'parameter, e.g. net.ipv4.ip_forward (or net/ipv4/conf/eth0.100/rp_filter)'),
      value: doc(withDefault(string(), ''), "wanted value (required with state 'present'); multi-value parameters separated by spaces"),
      state: doc(withDefault(oneOf(['present', 'absent']), 'present'), 'absent removes the persisted line and leaves the live value as it is'),
      sysctl_file: doc(withDefault(plain(), '/etc/sysctl.d/99-fleet.conf'), 'file holding the persisted line'),
      reload: doc(withDefault(bool(), true), 'also set the live value (false: only persist, for the next boot)'),
    },
    (a, path) => {
      if (!NAME.test(a.name)) throw new SchemaError([...path, 'name'], `'${a.name}' is not a sysctl name such as net.ipv4.ip_forward`);
      if (/[\n\r]/.test(a.value)) throw new SchemaError([...path, 'value'], 'must be one line');
      if (a.state === 'present' && normalizeSysctl(a.value) === '') throw new SchemaError([...path, 'value'], "is required with state 'present'");
      if (!a.sysctl_file.startsWith('/')) throw new SchemaError([...path, 'sysctl_file'], `must be an absolute path, got '${a.sysctl_file}'`);
    },
  ),
  facts: (a) => ({ live: sysctlFact(a.name), file: fileFact(a.sysctl_file) }),
  plan(a, { live, file }) {
    const value = normalizeSysctl(a.value);
    if (live === undefined && a.state === 'present') {
      throw new Error(`kernel parameter ${a.name} does not exist on this host (no readable ${sysctlPath(a.name)}): check the name, or load the kernel module that provides it`);
    }
    const changes: Change[] = [];
    if (a.state === 'present' && a.reload && normalizeSysctl(live ?? '') !== value) {
      changes.push({
        summary: `live ${a.name}: ${live} -> ${value}`,
        steps: [sh`printf '%s\\n' ${value} > ${sysctlPath(a.name)}`],
        invalidates: [`sysctl:${sysctlKey(a.name)}`],
        predicts: { [`sysctl:${sysctlKey(a.name)}`]: value },
      });
    }
    const before = currentText(a.sysctl_file, file);
    const persisted = before === undefined ? undefined : persistedValue(before, a.name);
    // compared by meaning: `name=1` and `name = 1` persist the same thing and are left as written
    const fileOk = a.state === 'present' ? persisted === value : persisted === undefined;
    if (!fileOk) {
      const plan = planContent(a.sysctl_file, file, editSysctl(before ?? '', a.name, a.state === 'present' ? value : undefined), {});
      const summary = a.state === 'present' ? `persist ${a.name} in ${a.sysctl_file}` : `remove ${a.name} from ${a.sysctl_file}`;
      if (!isOk(plan)) changes.push(...plan.map((c) => ({ ...c, summary })));
    }
    if (changes.length) return changes;
    if (a.state === 'absent') return { ok: `${a.name} is not persisted in ${a.sysctl_file}` };
    return { ok: a.reload ? `${a.name} is ${value}, live and persisted` : `${a.name} = ${value} is persisted (live value not managed: reload is false)` };
  },
});
