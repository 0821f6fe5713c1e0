import { defineTask, type Change } from '../types.js';
import { bool, doc, object, oneOf, optional, string } from '../schema/schema.js';
import { raw, record, sh } from '../shell/sh.js';
import { serviceFact } from '../facts/service.js';

export const serviceTask = defineTask({
  type: 'service',
  description: 'A service started, stopped, restarted or reloaded, enabled or not at boot: systemd, or service/update-rc.d where there is no systemd.',
  args: object({
    name: doc(string(), 'service (systemd unit or init.d script) name'),
    state: doc(optional(oneOf(['started', 'stopped', 'restarted', 'reloaded'])), 'restarted and reloaded always act (use them in handlers)'),
    enabled: doc(optional(bool()), 'start at boot'),
  }),
  facts: (a) => ({ svc: serviceFact(a.name) }),
  plan(a, { svc }) {
    if (!svc.exists) throw new Error(`service ${a.name} not found (${svc.manager === 'systemd' ? 'no such systemd unit' : `no /etc/init.d/${a.name}`})`);
    const key = `service:${a.name}`;
    const run = (verb: string) => (svc.manager === 'systemd' ? sh`systemctl ${raw(verb)} -- ${a.name}` : sh`service ${a.name} ${raw(verb)}`);
    const changes: Change[] = [];
    if (a.state === 'started' && !svc.active) changes.push({ summary: `start ${a.name}`, steps: [run('start')], invalidates: [key] });
    if (a.state === 'stopped' && svc.active) changes.push({ summary: `stop ${a.name}`, steps: [run('stop')], invalidates: [key] });
    if (a.state === 'restarted') changes.push({ summary: `restart ${a.name}`, steps: [run('restart')], invalidates: [key] });
    if (a.state === 'reloaded') changes.push({ summary: `reload ${a.name}`, steps: [svc.active ? run('reload') : run('start')], invalidates: [key] });
    if (a.enabled !== undefined && svc.enabled !== a.enabled) {
      const step = svc.manager === 'systemd' ? sh`systemctl ${raw(a.enabled ? 'enable' : 'disable')} -- ${a.name}` : sh`update-rc.d ${a.name} ${raw(a.enabled ? 'defaults' : 'disable')}`;
      changes.push({ summary: `${a.enabled ? 'enable' : 'disable'} ${a.name} at boot`, steps: [step], invalidates: [key] });
    }
    const before = record('service', a.name, svc.active ? 'active' : 'inactive', svc.enabled === undefined ? '-' : svc.enabled ? 'enabled' : 'disabled');
    for (const c of changes) c.steps.unshift(before);
    if (changes.length) return changes;
    return { ok: `${a.name} is ${svc.active ? 'running' : 'stopped'}${svc.enabled === undefined ? '' : svc.enabled ? ', enabled' : ', disabled'}` };
  },
  verify(a, { svc }) {
    if (a.state && a.state !== 'stopped' && !svc.active) return `${a.name} is not running after ${a.state.replace(/ed$/, '')}`;
    if (a.state === 'stopped' && svc.active) return `${a.name} is still running`;
    if (a.enabled !== undefined && svc.enabled !== undefined && svc.enabled !== a.enabled) return `${a.name} is still ${svc.enabled ? 'enabled' : 'disabled'}`;
    return undefined;
  },
});
