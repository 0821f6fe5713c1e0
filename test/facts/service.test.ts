// service facts against real probe output: systemd (lab host) and sysvinit (light lab host).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseServiceProbe, type ServiceState } from '../../src/facts/service.js';

const fixture = (name: string) => parseServiceProbe(readFileSync(new URL(`./fixtures/service-${name}.txt`, import.meta.url), 'utf8'));

describe('service facts', () => {
  it.each<[string, ServiceState]>([
    ['systemd-ssh', { manager: 'systemd', exists: true, active: true, enabled: true }],
    // an alias: show follows it to ssh.service; is-enabled would only say 'alias'
    ['systemd-sshd', { manager: 'systemd', exists: true, active: true, enabled: true }],
    ['systemd-debug-shell', { manager: 'systemd', exists: true, active: false, enabled: false }],
    ['systemd-dbus', { manager: 'systemd', exists: true, active: true, enabled: undefined, unitFileState: 'static' }],
    ['systemd-failing', { manager: 'systemd', exists: true, active: false, enabled: undefined, unitFileState: 'static' }],
    ['systemd-cryptdisks', { manager: 'systemd', exists: true, active: false, enabled: false, masked: true }],
    ['systemd-nope-xyz', { manager: 'systemd', exists: false, active: false, enabled: undefined }],
    // an init.d script under systemd: is-enabled reads its rc.d links
    ['systemd-fleetdemo', { manager: 'systemd', exists: true, active: true, enabled: true }],
    ['sysv-ssh', { manager: 'sysv', exists: true, active: true, enabled: true }],
    ['sysv-procps', { manager: 'sysv', exists: true, active: true, enabled: true }],
    ['sysv-hwclock.sh', { manager: 'sysv', exists: true, active: false, enabled: false }],
    ['sysv-nope-xyz', { manager: 'sysv', exists: false, active: false, enabled: false }],
  ])('%s', (name, want) => {
    expect(fixture(name)).toEqual(want);
  });
  it('an init.d script systemd generated a unit for, not enabled', () => {
    expect(parseServiceProbe('systemd\nLoadState=loaded\nActiveState=inactive\nUnitFileState=generated\nIsEnabled=disabled\n')).toMatchObject({ enabled: false });
  });
  it('reloading and activating count as active', () => {
    expect(parseServiceProbe('systemd\nLoadState=loaded\nActiveState=reloading\nUnitFileState=enabled\n').active).toBe(true);
    expect(parseServiceProbe('systemd\nLoadState=loaded\nActiveState=deactivating\nUnitFileState=enabled\n').active).toBe(false);
  });
});
