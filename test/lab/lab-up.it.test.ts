// labUp / labDown from code: a kept lab outlives cleanup of leftovers, and down removes it.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { labDown, labUp } from '../../src/lab/cli.js';
import { docker } from '../../src/lab/docker.js';
import { removeLabLeftovers } from '../../src/lab/leftovers.js';

const dir = join(mkdtempSync(join(tmpdir(), 'fleet-labup-')), '.lab');
afterAll(async () => {
  if (existsSync(join(dir, 'lab.json'))) await labDown({ dir });
});

it('a lab from labUp is kept by leftover cleanup and removed by labDown', async () => {
  const up = await labUp({ hosts: 2, kind: 'light', dir, log: () => {} });
  expect(up.hosts).toEqual(['lab1', 'lab2']);
  expect(readFileSync(up.inventoryPath, 'utf8')).toContain('ansible_host:');
  const { id } = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as { id: string };
  const running = async () => (await docker(['ps', '-aq', '--filter', `label=fleet.lab.id=${id}`])).trim().split('\n').filter(Boolean).length;
  const labels = JSON.parse(await docker(['inspect', '--format', '{{json .Config.Labels}}', `fleet-${id}-lab1`])) as Record<string, string>;
  expect(labels).toMatchObject({ 'fleet.lab': '1', 'fleet.lab.id': id, 'fleet.lab.keep': '1' });
  expect(labels['fleet.lab.owner']).toBeUndefined();
  await expect(labUp({ hosts: 1, kind: 'light', dir })).rejects.toThrow(/a lab is already up/);
  await removeLabLeftovers();
  expect(await running()).toBe(2);
  expect(await labDown({ dir })).toBe(2);
  expect(await running()).toBe(0);
  expect(existsSync(dir)).toBe(false);
  await expect(labDown({ dir })).rejects.toThrow(/no lab found: .*lab\.json is missing \(start one with `fleet lab up`/);
});
