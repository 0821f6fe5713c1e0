// A lab Proxmox node's guests are written into the lab inventory as pct hosts through that node.
import { describe, expect, it } from 'vitest';
import { parseInventoryText, selectHosts, toConnectionSpec } from '../../src/inventory/index.js';
import { inventoryYaml } from '../../src/lab/lab.js';
import { LAB_GUESTS } from '../../src/lab/scenarios/proxmox-node.js';

describe('lab inventory with a Proxmox node', () => {
  it('lists every guest as a pct host of its node', () => {
    const exec = async () => ({ stdout: '', stderr: '', code: 0 });
    const text = inventoryYaml({ id: 'x', keyPath: '/k', knownHostsPath: '/kh', hosts: [{ name: 'pve1', ip: '172.17.0.9', kind: 'full', scenarios: ['proxmox-node'], containerId: 'c', exec }] });
    const inv = parseInventoryText(text, 'lab.yaml');
    expect(selectHosts(inv, 'proxmox_node_pve1')).toEqual(LAB_GUESTS.map((g) => `pve1-${g.hostname}`));
    const spec = toConnectionSpec(inv.hosts.get('pve1-web1')!.vars, (n) => inv.hosts.get(n)?.vars);
    expect(spec).toMatchObject({ connection: 'pct', host: '172.17.0.9', pct: { vmid: 101, node: 'pve1', sudo: false, maxSessions: 8 } });
    expect(LAB_GUESTS.some((g) => !g.running) && LAB_GUESTS.some((g) => g.nesting) && LAB_GUESTS.some((g) => !g.sshd)).toBe(true);
  });
});
