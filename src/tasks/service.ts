import { defineTask, type Change } from '../types.js';
import { bool, doc, object, oneOf, optional, SchemaError, string } from '../schema/schema.js';
import { raw, record, sh, type Script } from '../shell/sh.js';
import { serviceFact, type ServiceState } from '../facts/service.js';

// unit names: letters, digits and ':-_.\@' (systemd.unit(5)); a leading '-' would be an option
const NAME = /^[A-Za-z0-9:_.@\\][A-Za-z0-9:_.@\\-]*$/;

type Verb = 'start' | 'stop' | 'restart' | 'reload';

/** Services whose restart interrupts containers: restarted or reloaded once per host, after the
 *  play's tasks and handlers, together with every other change that needs it (engine/restarts.ts). */
const DEFERRED = new Set(['docker', 'containerd']);
const unit = (name: string) => name.replace(/\.service$/, '');

export const serviceTask = defineTask({
  type: 'service',
  description:
    'A service started, stopped, restarted or reloaded, and enabled or not at boot. Uses systemd (systemctl) when /run/systemd/system exists; otherwise falls back to `service NAME start|stop|restart|reload|status` and `update-rc.d` (enable: `defaults` then `enable`; disable: `disable`), reading boot state from the /etc/rc?.d links. restarted and reloaded always act (use them in handlers); reloaded starts a stopped service. docker and containerd are restarted or reloaded once per host, after the play\'s tasks and handlers, together with every other change that needs it (live-restore made effective first; a restart that would stop running containers is refused unless allow_container_stop is set).',
  args: object(
    {
      name: doc(string(), 'service: systemd unit (docker, ssh.service) or init.d script name'),
      state: doc(optional(oneOf(['started', 'stopped', 'restarted', 'reloaded'])), 'started/stopped act only when needed; restarted/reloaded always act'),
      enabled: doc(optional(bool()), 'start at boot (unset: leave as is)'),
    },
    (a, path) => {
      if (!NAME.test(a.name)) throw new SchemaError([...path, 'name'], `'${a.name}' is not a service name`);
      if (a.state === undefined && a.enabled === undefined) throw new SchemaError(path, 'give state, enabled, or both');
    },
  ),
  facts: (a) => ({ svc: serviceFact(a.name) }),
  plan(a, { svc }) {
    refuse(a.name, a.state, a.enabled, svc);
    const key = `service:${a.name}`;
    const changes: Change[] = [];
    const act = (summary: string, verb: Verb) => changes.push({ summary, steps: [run(svc, a.name, verb)], invalidates: [key], ...(verb === 'restart' ? { impact: [{ kind: 'restart' as const, service: a.name, summary: `${a.name} restarts` }] } : {}) });
    // the engine's restart says what it interrupts (containers, the docker API), once
    const defer = (how: 'restart' | 'reload') => changes.push({ summary: `${how} ${a.name}: once per host, after the play's tasks and handlers`, steps: [], invalidates: [], restarts: [{ service: unit(a.name), how, why: `service ${how}` }] });
    const deferred = DEFERRED.has(unit(a.name));
    if (a.state === 'started' && !svc.active) act(`start ${a.name}`, 'start');
    if (a.state === 'stopped' && svc.active) act(`stop ${a.name}`, 'stop');
    if (a.state === 'restarted') {
      if (deferred) defer('restart');
      else act(`restart ${a.name}`, 'restart');
    }
    if (a.state === 'reloaded' && svc.active) {
      if (deferred) defer('reload');
      else act(`reload ${a.name}`, 'reload');
    }
    if (a.state === 'reloaded' && !svc.active) act(`start ${a.name} (reload asked; it is not running)`, 'start');
    if (a.enabled !== undefined && svc.enabled !== a.enabled) {
      changes.push({ summary: `${a.enabled ? 'enable' : 'disable'} ${a.name} at boot`, steps: boot(svc, a.name, a.enabled), invalidates: [key] });
    }
    // what it was, for `fleet rollback`
    const before = record('service', a.name, svc.active ? 'active' : 'inactive', svc.enabled === undefined ? '-' : svc.enabled ? 'enabled' : 'disabled');
    for (const c of changes) c.steps.unshift(before);
    if (changes.length) return changes;
    const atBoot = svc.enabled === undefined ? '' : svc.enabled ? ', enabled at boot' : ', not enabled at boot';
    return { ok: `${a.name} is ${svc.active ? 'running' : 'stopped'}${atBoot}` };
  },
  verify(a, { svc }) {
    if (a.state && a.state !== 'stopped' && !svc.active) return `${a.name} is not running after ${a.state.replace(/ed$/, '')}`;
    if (a.state === 'stopped' && svc.active) return `${a.name} is still running`;
    if (a.enabled !== undefined && svc.enabled !== a.enabled) return `${a.name} is still ${svc.enabled ? 'enabled' : 'not enabled'} at boot`;
    return undefined;
  },
});

/** States a plan will not touch, each with its fix. */
function refuse(name: string, state: string | undefined, enabled: boolean | undefined, svc: ServiceState): void {
  if (!svc.exists) {
    throw new Error(`service ${name} not found (${svc.manager === 'systemd' ? 'no such systemd unit' : `no /etc/init.d/${name}`}): install its package first, or check the name`);
  }
  if (svc.masked && (state === 'started' || state === 'restarted' || state === 'reloaded' || enabled === true)) {
    throw new Error(`unit ${name} is masked: run 'systemctl unmask ${name}' first (masking is deliberate; fleet does not undo it)`);
  }
  if (enabled !== undefined && svc.enabled === undefined) {
    throw new Error(`unit ${name} is ${svc.unitFileState ?? 'not switchable'}: systemd cannot enable or disable it at boot; drop 'enabled' (a static unit starts when something needs it)`);
  }
}

function run(svc: ServiceState, name: string, verb: Verb): Script {
  return svc.manager === 'systemd' ? sh`systemctl ${raw(verb)} -- ${name}` : sh`service ${name} ${raw(verb)}`;
}

// update-rc.d: `defaults` creates missing links but leaves disabled (K) ones; `enable` turns K
// links into S links but fails when there are none. Together they enable from either state.
function boot(svc: ServiceState, name: string, on: boolean): Script[] {
  if (svc.manager === 'systemd') return [sh`systemctl ${raw(on ? 'enable' : 'disable')} -- ${name}`];
  return on ? [sh`update-rc.d ${name} defaults`, sh`update-rc.d ${name} enable`] : [sh`update-rc.d ${name} disable`];
}
