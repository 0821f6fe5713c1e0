// `fleet lab up` / `fleet lab down`, as a user runs them.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fleet } from '../support/cli.js';
import { docker } from '../../src/lab/docker.js';
import { labDown } from '../../src/lab/cli.js';

describe('fleet lab', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'fleet-labcli-'));
  afterAll(async () => {
    if (existsSync(join(cwd, '.lab/lab.json'))) await labDown({ dir: join(cwd, '.lab') });
  });

  it('up writes an inventory fleet can use; down removes every container', async () => {
    const up = await fleet(['lab', 'up', '--hosts', '2'], { cwd });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('lab up: 2 hosts');
    const inv = join(cwd, '.lab/inventory.yaml');
    const check = await fleet(['apply', new URL('../../playbooks/harden.yaml', import.meta.url).pathname, '-i', inv, '--check'], { cwd });
    expect(check.code, check.stderr + check.stdout).toBe(0);
    expect(check.stdout).toMatch(/lab1 .*changed=[1-9]/);
    const { id } = JSON.parse(readFileSync(join(cwd, '.lab/lab.json'), 'utf8')) as { id: string };
    expect((await docker(['ps', '-q', '--filter', `label=fleet.lab.id=${id}`])).trim().split('\n')).toHaveLength(2);
    const down = await fleet(['lab', 'down'], { cwd });
    expect(down.code, down.stderr).toBe(0);
    expect((await docker(['ps', '-aq', '--filter', `label=fleet.lab.id=${id}`])).trim()).toBe('');
    expect(existsSync(join(cwd, '.lab'))).toBe(false);
  });
});
