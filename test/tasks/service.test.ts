// service: args + facts (real probe output) -> plan, for systemd and the sysvinit fallback.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { serviceTask } from '../../src/tasks/service.js';
import { parseServiceProbe, type ServiceState } from '../../src/facts/service.js';

const real = (name: string) => parseServiceProbe(readFileSync(new URL(`../facts/fixtures/service-${name}.txt`, import.meta.url), 'utf8'));
const changes = (p: Plan) => (isOk(p) ? [] : (p as Change[]));
const steps = (p: Plan) => changes(p).map((c) => c.steps.map((s) => s.text).filter((t) => !t.startsWith('if command -v fleet_')));
const plan = (args: object, svc: ServiceState) => serviceTask.plan(parseArgs(serviceTask.args, args), { svc });
const verify = (args: object, svc: ServiceState) => serviceTask.verify!(parseArgs(serviceTask.args, args), { svc });

const running = { manager: 'systemd', exists: true, active: true, enabled: true } as const;
const stopped = { manager: 'systemd', exists: true, active: false, enabled: false } as const;

// [args, facts, summaries or 'ok: reason', systemd steps, sysv steps]
const cases: [object, ServiceState, string[] | string, string[][], string[][]][] = [
  [{ state: 'started' }, running, 'ok: d is running, enabled at boot', [], []],
  [{ state: 'started' }, stopped, ['start d'], [['systemctl start -- d']], [['service d start']]],
  [{ state: 'stopped' }, running, ['stop d'], [['systemctl stop -- d']], [['service d stop']]],
  [{ state: 'stopped' }, stopped, 'ok: d is stopped, not enabled at boot', [], []],
  [{ state: 'restarted' }, running, ['restart d'], [['systemctl restart -- d']], [['service d restart']]],
  [{ state: 'restarted' }, stopped, ['restart d'], [['systemctl restart -- d']], [['service d restart']]],
  [{ state: 'reloaded' }, running, ['reload d'], [['systemctl reload -- d']], [['service d reload']]],
  [{ state: 'reloaded' }, stopped, ['start d (reload asked; it is not running)'], [['systemctl start -- d']], [['service d start']]],
  [{ enabled: true }, running, 'ok: d is running, enabled at boot', [], []],
  [{ enabled: true }, stopped, ['enable d at boot'], [['systemctl enable -- d']], [['update-rc.d d defaults', 'update-rc.d d enable']]],
  [{ enabled: false }, running, ['disable d at boot'], [['systemctl disable -- d']], [['update-rc.d d disable']]],
  [{ enabled: false }, stopped, 'ok: d is stopped, not enabled at boot', [], []],
  [{ state: 'started', enabled: true }, stopped, ['start d', 'enable d at boot'], [['systemctl start -- d'], ['systemctl enable -- d']], [['service d start'], ['update-rc.d d defaults', 'update-rc.d d enable']]],
  [{ state: 'stopped', enabled: false }, running, ['stop d', 'disable d at boot'], [['systemctl stop -- d'], ['systemctl disable -- d']], [['service d stop'], ['update-rc.d d disable']]],
  [{ state: 'restarted', enabled: true }, running, ['restart d'], [['systemctl restart -- d']], [['service d restart']]],
  [{ state: 'reloaded', enabled: false }, running, ['reload d', 'disable d at boot'], [['systemctl reload -- d'], ['systemctl disable -- d']], [['service d reload'], ['update-rc.d d disable']]],
];

describe.each(['systemd', 'sysv'] as const)('service plan (%s)', (manager) => {
  it.each(cases)('%j on %j', (args, svc, want, systemdSteps, sysvSteps) => {
    const p = plan({ name: 'd', ...args }, { ...svc, manager });
    if (typeof want === 'string') expect(p).toEqual({ ok: want.slice(4) });
    else expect(changes(p).map((c) => c.summary)).toEqual(want);
    expect(steps(p)).toEqual(manager === 'systemd' ? systemdSteps : sysvSteps);
    for (const c of changes(p)) expect(c.invalidates).toEqual(['service:d']);
  });
});

describe('service plan: refusals and records', () => {
  it('a missing unit or init script', () => {
    expect(() => plan({ name: 'nope-xyz', state: 'started' }, real('systemd-nope-xyz'))).toThrow('service nope-xyz not found (no such systemd unit): install its package first, or check the name');
    expect(() => plan({ name: 'nope-xyz', state: 'stopped' }, real('sysv-nope-xyz'))).toThrow('service nope-xyz not found (no /etc/init.d/nope-xyz)');
  });
  it('a masked unit is not started or enabled; stopped and disabled it already is', () => {
    expect(() => plan({ name: 'cryptdisks', state: 'started' }, real('systemd-cryptdisks'))).toThrow("unit cryptdisks is masked: run 'systemctl unmask cryptdisks' first");
    expect(() => plan({ name: 'cryptdisks', enabled: true }, real('systemd-cryptdisks'))).toThrow(/is masked/);
    expect(plan({ name: 'cryptdisks', state: 'stopped', enabled: false }, real('systemd-cryptdisks'))).toEqual({ ok: 'cryptdisks is stopped, not enabled at boot' });
  });
  it('a static unit cannot be enabled; it can be started', () => {
    expect(() => plan({ name: 'dbus', enabled: true }, real('systemd-dbus'))).toThrow("unit dbus is static: systemd cannot enable or disable it at boot; drop 'enabled'");
    expect(plan({ name: 'dbus', state: 'started' }, real('systemd-dbus'))).toEqual({ ok: 'dbus is running' });
    expect(changes(plan({ name: 'failing', state: 'started' }, real('systemd-failing'))).map((c) => c.summary)).toEqual(['start failing']);
  });
  it('an init.d script under systemd is enabled through systemctl', () => {
    expect(plan({ name: 'fleetdemo', state: 'started', enabled: true }, real('systemd-fleetdemo'))).toEqual({ ok: 'fleetdemo is running, enabled at boot' });
  });
  it('records the state before the change, for rollback', () => {
    const p = changes(plan({ name: 'ssh', state: 'stopped', enabled: false }, real('sysv-ssh')));
    for (const c of p) expect(c.steps[0]!.text).toBe('if command -v fleet_record >/dev/null 2>&1; then fleet_record service ssh active enabled; fi');
  });
});

describe('service plan: restarts that interrupt containers', () => {
  it('docker and containerd restart or reload once per host, after the play (the engine runs it); others now, saying they restart', () => {
    for (const name of ['docker', 'docker.service', 'containerd']) {
      const c = changes(plan({ name, state: 'restarted' }, running));
      expect(c.map((x) => x.summary)).toEqual([`restart ${name}: once per host, after the play's tasks and handlers`]);
      expect(steps(plan({ name, state: 'restarted' }, running))).toEqual([[]]);
      expect(c[0]!.restarts).toEqual([{ service: name.replace('.service', ''), how: 'restart', why: 'service restart' }]);
      expect(c[0]!.impact).toBeUndefined(); // the engine's restart says what it interrupts, once
    }
    expect(changes(plan({ name: 'docker', state: 'reloaded' }, running))[0]!.restarts).toEqual([{ service: 'docker', how: 'reload', why: 'service reload' }]);
    // a stopped docker asked to reload is started now: nothing runs that a restart could interrupt
    expect(steps(plan({ name: 'docker', state: 'reloaded' }, stopped))).toEqual([['systemctl start -- docker']]);
    const nginx = changes(plan({ name: 'nginx', state: 'restarted' }, running));
    expect(nginx[0]!.restarts).toBeUndefined();
    expect(nginx[0]!.impact).toEqual([{ kind: 'restart', service: 'nginx', summary: 'nginx restarts' }]);
  });
});

describe('service verify', () => {
  it('started, restarted and reloaded leave it running; stopped leaves it stopped', () => {
    for (const state of ['started', 'restarted', 'reloaded']) {
      expect(verify({ name: 'd', state }, running)).toBeUndefined();
      expect(verify({ name: 'd', state }, stopped)).toBe(`d is not running after ${state.replace(/ed$/, '')}`);
    }
    expect(verify({ name: 'd', state: 'stopped' }, stopped)).toBeUndefined();
    expect(verify({ name: 'd', state: 'stopped' }, running)).toBe('d is still running');
  });
  it('the boot state must have changed', () => {
    expect(verify({ name: 'd', enabled: true }, stopped)).toBe('d is still not enabled at boot');
    expect(verify({ name: 'd', enabled: false }, stopped)).toBeUndefined();
  });
});

describe('service arguments', () => {
  const bad = (args: object) => () => parseArgs(serviceTask.args, args);
  it('needs something to do and a real name', () => {
    expect(bad({ name: 'd' })).toThrow('give state, enabled, or both');
    expect(bad({ name: '--now', state: 'started' })).toThrow("argument 'name' '--now' is not a service name");
    expect(bad({ name: 'd', state: 'running' })).toThrow(/argument 'state' must be one of started, stopped, restarted, reloaded/);
    expect(parseArgs(serviceTask.args, { name: 'getty@tty1.service', state: 'started' })).toEqual({ name: 'getty@tty1.service', state: 'started' });
  });
});
