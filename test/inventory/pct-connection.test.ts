// `ansible_connection: pct`: the guest's spec carries its node's SSH spec, sudo and session limit.
import { describe, expect, it } from 'vitest';
import { toConnectionSpec } from '../../src/inventory/index.js';
import type { Vars } from '../../src/types.js';

const hosts: Record<string, Vars> = {
  pve1: { ansible_host: '10.0.0.5', ansible_user: 'root', proxmox_max_sessions: 4 },
  pve2: { ansible_host: '10.0.0.6', ansible_user: 'admin', become: true },
  ct9: { ansible_connection: 'pct', proxmox_node: 'pve1', vmid: 109 },
};
const lookup = (n: string) => hosts[n];
const guest = (vars: Vars) => toConnectionSpec({ inventory_hostname: 'web1', ansible_connection: 'pct', ...vars }, lookup);

describe('pct connection spec', () => {
  it("is the node's connection plus the guest's vmid", () => {
    expect(guest({ proxmox_node: 'pve1', vmid: 101 })).toMatchObject({
      connection: 'pct',
      host: '10.0.0.5',
      pct: { vmid: 101, node: 'pve1', sudo: false, maxSessions: 4, nodeSpec: { connection: 'ssh', host: '10.0.0.5', user: 'root' } },
    });
    expect(toConnectionSpec({ inventory_hostname: 'w', connection: 'pct', proxmox_node: 'pve2', vmid: '102' }, lookup).pct).toMatchObject({ vmid: 102, sudo: true, maxSessions: 8 });
  });

  it('says what is missing or wrong', () => {
    expect(() => guest({ proxmox_node: 'pve1' })).toThrow("host 'web1': connection pct needs vmid");
    expect(() => guest({ vmid: 101 })).toThrow("host 'web1': connection pct needs proxmox_node");
    expect(() => guest({ proxmox_node: 'pve1', vmid: 'abc' })).toThrow(/vmid is "abc"/);
    expect(() => guest({ proxmox_node: 'pve1', vmid: 99 })).toThrow(/vmid is 99/);
    expect(() => guest({ proxmox_node: 'nope', vmid: 101 })).toThrow("host 'web1': proxmox_node 'nope' is not a host of the inventory");
    expect(() => guest({ proxmox_node: 'ct9', vmid: 101 })).toThrow(/is itself a pct guest/);
    hosts.bad = { proxmox_max_sessions: 0 };
    expect(() => guest({ proxmox_node: 'bad', vmid: 101 })).toThrow(/proxmox_max_sessions is 0/);
  });

  it('is checked without the node at load time', () => {
    expect(toConnectionSpec({ inventory_hostname: 'w', ansible_connection: 'pct', proxmox_node: 'pve1', vmid: 101 })).toMatchObject({ connection: 'pct', host: 'pve1' });
  });
});
