// pct list / pct config parsing (pve-container's formats) and discovered guests as inventory hosts.
import { describe, expect, it } from 'vitest';
import { parseInventoryText, selectHosts } from '../../src/inventory/index.js';
import { addGuests, parseDiscovery, parsePctConfig, parsePctList, type DiscoveredGuest } from '../../src/inventory/proxmox-discovery.js';

const row = (vmid: string, status: string, lock: string, name: string) => `${vmid.padEnd(10)} ${status.padEnd(10)} ${lock.padEnd(12)} ${name.padEnd(20)}`;
const LIST = [row('VMID', 'Status', 'Lock', 'Name'), row('101', 'running', '', 'web1'), row('102', 'stopped', 'backup', 'db1'), row('103', 'running', '', 'a-very-long-container-name-here')].join('\n') + '\n';

describe('pct output parsing', () => {
  it('reads pct list columns, an empty lock, a lock and a long name', () => {
    expect(parsePctList(LIST)).toEqual([
      { vmid: 101, status: 'running', lock: '', name: 'web1' },
      { vmid: 102, status: 'stopped', lock: 'backup', name: 'db1' },
      { vmid: 103, status: 'running', lock: '', name: 'a-very-long-container-name-here' },
    ]);
    expect(parsePctList('')).toEqual([]);
    expect(() => parsePctList('what\n')).toThrow(/unexpected header/);
  });

  it('reads pct config key: value lines', () => {
    expect(parsePctConfig('arch: amd64\nfeatures: nesting=1,keyctl=1\nnet0: name=eth0,bridge=vmbr0,ip=dhcp\ntags: a;b\n')).toEqual({ arch: 'amd64', features: 'nesting=1,keyctl=1', net0: 'name=eth0,bridge=vmbr0,ip=dhcp', tags: 'a;b' });
  });

  it('splits the discovery script output per guest', () => {
    const out = `${LIST}@@fleet-pct-config 101\nhostname: web1\nunprivileged: 1\n@@fleet-pct-config 102\nhostname: db1\n@@fleet-pct-config 103\nhostname: long\n`;
    expect(parseDiscovery(out).map((g) => [g.vmid, g.config.hostname])).toEqual([[101, 'web1'], [102, 'db1'], [103, 'long']]);
    expect(parseDiscovery('')).toEqual([]);
  });
});

const guest = (vmid: number, hostname: string, extra: Record<string, string> = {}, status = 'running'): DiscoveredGuest => ({ vmid, status, lock: '', name: hostname, config: { hostname, ostype: 'debian', ...extra } });

describe('discovered guests in the inventory', () => {
  const inv = parseInventoryText('all:\n  vars: { ansible_user: root }\n  hosts:\n    pve1: { proxmox_discover: lxc }\n    pve2: { proxmox_discover: lxc }\n    web9: {}\n  children:\n    proxmox_lxc:\n      vars: { become: true }\n', 'inv.yaml');

  it('names guests by hostname, by vmid on a collision, with the groups and vars the issue names', () => {
    const out = addGuests(inv, [
      { node: 'pve1', guests: [guest(101, 'web1', { features: 'nesting=1', unprivileged: '1', tags: 'docker;prod' }), guest(102, 'dup'), guest(103, 'web9')] },
      { node: 'pve2', guests: [guest(201, 'dup', {}, 'stopped')] },
    ]);
    expect(out.hosts.get('web1')!.vars).toMatchObject({ ansible_connection: 'pct', proxmox_node: 'pve1', vmid: 101, pve_status: 'running', pve_nesting: true, pve_unprivileged: true, pve_ostype: 'debian', pve_tags: ['docker', 'prod'], become: true, ansible_user: 'root', inventory_hostname: 'web1' });
    expect(out.hosts.get('102')!.vars).toMatchObject({ pve_hostname: 'dup', pve_nesting: false, pve_unprivileged: false, pve_tags: [] });
    expect(out.hosts.get('201')!.vars).toMatchObject({ proxmox_node: 'pve2', pve_status: 'stopped' });
    expect(out.hosts.get('103')!.vars.pve_hostname).toBe('web9'); // a static host keeps its name
    expect(selectHosts(out, 'proxmox_lxc')).toEqual(['web1', '102', '103', '201']);
    expect(selectHosts(out, 'proxmox_node_pve2')).toEqual(['201']);
    expect(selectHosts(out, 'pve_tag_docker')).toEqual(['web1']);
    expect(selectHosts(out, 'proxmox_stopped')).toEqual(['201']);
    expect(selectHosts(out, 'all')).toEqual(expect.arrayContaining(['pve1', 'web9', 'web1', '201']));
    expect(out.hosts.get('web1')!.groups).toEqual(['proxmox_lxc', 'proxmox_node_pve1', 'proxmox_running', 'pve_tag_docker', 'pve_tag_prod']);
    // the loaded inventory itself is left as it was
    expect(inv.hosts.has('web1')).toBe(false);
  });
});
