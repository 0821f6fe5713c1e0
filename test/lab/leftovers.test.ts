import { describe, expect, it } from 'vitest';
import { selectLeftovers, type LabContainer } from '../../src/lab/leftovers.js';

const c = (id: string, labels: Record<string, string>): LabContainer => ({ id, labels: { 'fleet.lab': '1', ...labels } });
const cs = [
  c('mine', { 'fleet.lab.owner': '100' }),
  c('live', { 'fleet.lab.owner': '200' }),
  c('dead', { 'fleet.lab.owner': '300' }),
  c('kept', { 'fleet.lab.keep': '1' }),
  c('old', {}),
];
const alive = (pid: number) => pid === 100 || pid === 200;

describe('lab leftovers', () => {
  it('removes containers of dead owners and unowned ones, never a kept lab or a live owner', () => {
    expect(selectLeftovers(cs, { alive })).toEqual(['dead', 'old']);
  });
  it("a run's teardown removes exactly its own containers, even while it is alive", () => {
    expect(selectLeftovers(cs, { owner: '100', alive })).toEqual(['mine']);
  });
  it('treats a malformed owner as unowned', () => {
    expect(selectLeftovers([c('x', { 'fleet.lab.owner': 'abc' })], { alive: () => true })).toEqual(['x']);
  });
});
