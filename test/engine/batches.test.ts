import { describe, expect, it } from 'vitest';
import { batchSizes } from '../../src/engine/batches.js';
import { parsePlaybook } from '../../src/playbook/load.js';
import { testRegistry } from '../support/test-tasks.js';

describe('serial batches', () => {
  it.each([
    [10, undefined, [10]],
    [10, [3], [3, 3, 3, 1]],
    [10, ['30%'], [3, 3, 3, 1]],
    [10, [1, '10%', '100%'], [1, 1, 8]],
    [200, [1, '10%', '100%'], [1, 20, 179]],
    [3, ['1%'], [1, 1, 1]],
    [2, [5], [2]],
    [0, [1], []],
  ])('%i hosts, serial %j -> %j', (n, serial, want) => {
    expect(batchSizes(n, serial as (number | string)[] | undefined)).toEqual(want);
  });

  it('loads rollout keys and rejects bad ones with their location', () => {
    const pb = parsePlaybook('- hosts: all\n  serial: [1, "10%"]\n  max_fail_percentage: 20\n  any_errors_fatal: true\n  rollback_on_failure: true\n  health:\n    - log: { path: /tmp/h, line: x }\n  tasks: []\n', 'r.yaml', testRegistry());
    expect(pb.plays[0]).toMatchObject({ serial: [1, '10%'], maxFailPercentage: 20, anyErrorsFatal: true, rollbackOnFailure: true });
    expect(pb.plays[0]!.health).toHaveLength(1);
    expect(() => parsePlaybook('- hosts: all\n  serial: "ten"\n  tasks: []\n', 'r.yaml', testRegistry())).toThrow(/^r\.yaml:2:11: 'serial' must be a positive host count/);
    expect(() => parsePlaybook('- hosts: all\n  max_fail_percentage: 120\n  tasks: []\n', 'r.yaml', testRegistry())).toThrow(/^r\.yaml:2:24: 'max_fail_percentage' must be a number from 0 to 100/);
  });
});
