import { describe, expect, it } from 'vitest';
import { imageName, mirrorFrom, recipeHash } from '../../src/lab/images.js';
import { inventoryYaml } from '../../src/lab/lab.js';
import { parseInventoryText } from '../../src/inventory/index.js';

describe('lab images', () => {
  it('reads the mirror from deb822 sources and from sources.list, skipping security', () => {
    expect(mirrorFrom(['Types: deb\nURIs: http://mirror.example/debian-security\n', 'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\n'])).toBe('http://mirror.example/debian');
    expect(mirrorFrom(['deb [arch=amd64] http://ftp.example/debian bookworm main\n'])).toBe('http://ftp.example/debian');
    expect(() => mirrorFrom(['# nothing\n'])).toThrow(/no Debian mirror found/);
  });
  it('tags images by a stable hash of their recipe', () => {
    expect(recipeHash('full')).toBe(recipeHash('full'));
    expect(recipeHash('full')).not.toBe(recipeHash('light'));
    expect(imageName('light')).toMatch(/^fleet-lab\/light:[0-9a-f]{12}$/);
  });
  it('writes an inventory fleet loads, grouped by kind and scenario, with host-key checking on', () => {
    const text = inventoryYaml({ id: 'x', keyPath: '/k', knownHostsPath: '/kh', hosts: [{ name: 'a', ip: '172.17.0.2', kind: 'full', scenarios: ['vfs-driver'], containerId: 'c', exec: async () => ({ stdout: '', stderr: '', code: 0 }) }] });
    const inv = parseInventoryText(text, 'lab.yaml');
    expect(inv.hosts.get('a')!.vars).toMatchObject({ ansible_host: '172.17.0.2', ansible_user: 'root', ansible_ssh_private_key_file: '/k', known_hosts_file: '/kh' });
    expect(inv.hosts.get('a')!.groups).toEqual(['full', 'scenario_vfs_driver']);
  });
});
