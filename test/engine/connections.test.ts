// The pool: one transport per host; pct guests share their node's one transport.
import { describe, expect, it } from 'vitest';
import { ConnectionPool } from '../../src/engine/connections.js';
import { toConnectionSpec } from '../../src/inventory/index.js';
import { PctTransport } from '../../src/transport/pct.js';
import { TransportError, type ConnectionSpec, type Transport } from '../../src/transport/transport.js';
import type { Vars } from '../../src/types.js';

const hosts: Record<string, Vars> = {
  pve1: { inventory_hostname: 'pve1', ansible_host: '10.0.0.5' },
  down: { inventory_hostname: 'down', ansible_host: '10.0.0.6' },
};
const spec = (name: string, vars: Vars): ConnectionSpec => toConnectionSpec({ inventory_hostname: name, ...vars }, (n) => hosts[n]);

describe('ConnectionPool', () => {
  it('opens one connection per node however many of its guests run', async () => {
    const made: string[] = [];
    const connects: string[] = [];
    const pool = new ConnectionPool((s) => {
      made.push(s.host);
      const t: Transport = { target: s.host, execCount: 0, connect: async () => { connects.push(s.host); if (s.host === '10.0.0.6') throw new TransportError('unreachable', '10.0.0.6:22: ECONNREFUSED'); }, exec: async () => ({ stdout: '', stderr: '', code: 0 }), close: async () => {} };
      return t;
    });
    const guests = await Promise.all([101, 102, 103, 104, 105].map((vmid) => pool.get(`ct${vmid}`, spec(`ct${vmid}`, { ansible_connection: 'pct', proxmox_node: 'pve1', vmid }))));
    expect(guests.every((g) => g instanceof PctTransport)).toBe(true);
    await pool.get('pve1', spec('pve1', hosts.pve1!));
    expect(made).toEqual(['10.0.0.5']);
    expect(await pool.get('ct101', spec('ct101', { ansible_connection: 'pct', proxmox_node: 'pve1', vmid: 101 }))).toBe(guests[0]);
    for (const vmid of [200, 201]) await expect(pool.get(`ct${vmid}`, spec(`ct${vmid}`, { ansible_connection: 'pct', proxmox_node: 'down', vmid }))).rejects.toMatchObject({ kind: 'unreachable', message: 'node down: 10.0.0.6:22: ECONNREFUSED' });
    expect(connects.filter((h) => h === '10.0.0.6')).toEqual(['10.0.0.6']); // tried once, not per guest
  });
});
