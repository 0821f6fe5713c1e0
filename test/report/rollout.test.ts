// The rollout's text, pure: the live lines a plain reporter prints for each event (an apply's
// batches; a dry run's only when it stops), the terminal's counters, the plan's gate commands.
import { describe, expect, it } from 'vitest';
import type { BatchRecord, RunEvent } from '../../src/engine/results.js';
import { plainReporter } from '../../src/report/plain.js';
import { countersText } from '../../src/report/interactive.js';
import { rolloutText } from '../../src/report/summary.js';
import { styleFor } from '../../src/report/style.js';

const plain = styleFor(false);
const batch = (over: Partial<BatchRecord>): BatchRecord => ({ index: 1, hosts: ['a'], canary: true, state: 'ok', failed: [], gates: [], ...over });

function linesOf(mode: 'check' | 'apply', events: RunEvent[]): string[] {
  const lines: string[] = [];
  const rep = plainReporter({ write: (l) => lines.push(l), style: plain, diff: false, verbose: false });
  rep.listener({ type: 'run-start', mode, playbook: 'pb.yaml', hosts: ['a', 'b', 'c'] });
  for (const e of events) rep.listener(e);
  return lines;
}

describe('plain rollout lines', () => {
  const gate = { host: 'b', task: 'a container starts', command: 'docker run --rm x true', ok: false, exitCode: 125, error: 'docker: Error response from daemon: boom', durationMs: 1234 };
  const events: RunEvent[] = [
    { type: 'batch-start', play: 'p', index: 1, of: 2, hosts: ['a'], canary: true },
    { type: 'host-task', host: 'a', task: 'config', status: 'changed' },
    { type: 'health', play: 'p', batch: 1, gate: { ...gate, host: 'a', ok: true, exitCode: undefined, error: undefined, durationMs: 80 } },
    { type: 'batch-end', play: 'p', of: 2, batch: batch({ decision: { stop: false, rule: 'ok', failed: 0, of: 1, text: 'its host ok, its health gate passed: going on' } }) },
    { type: 'batch-start', play: 'p', index: 2, of: 2, hosts: ['b', 'c'], canary: false },
    { type: 'health', play: 'p', batch: 2, gate },
    { type: 'batch-end', play: 'p', of: 2, batch: batch({ index: 2, hosts: ['b', 'c'], canary: false, state: 'failed', failed: ['b'], rolledBack: ['b', 'c'], decision: { stop: true, rule: 'health-gate', failed: 1, of: 2, text: "b: health gate 'a container starts' failed (exit 125 after 1.2 s): docker: Error response from daemon: boom" } }) },
  ];

  it('an apply: each batch start, each gate, each decision — in order, as lines', () => {
    expect(linesOf('apply', events)).toEqual([
      "BATCH 1/2 of play 'p' (canary): 1 host: a",
      'a  gate ok  a container starts — `docker run --rm x true` passed after 0.1 s',
      "after batch 1/2 of play 'p': its host ok, its health gate passed: going on",
      "BATCH 2/2 of play 'p': 2 hosts: b, c",
      'b  GATE FAILED  a container starts — `docker run --rm x true` exit 125 after 1.2 s: docker: Error response from daemon: boom',
      "after batch 2/2 of play 'p': STOP — b: health gate 'a container starts' failed (exit 125 after 1.2 s): docker: Error response from daemon: boom; rolled back 2 hosts: b, c",
    ]);
  });

  it("a dry run's batches are not the apply's: only a decision that stops it is printed", () => {
    const check: RunEvent[] = [
      { type: 'batch-start', play: 'p', index: 1, of: 2, hosts: ['a'], canary: true },
      { type: 'batch-end', play: 'p', of: 2, batch: batch({ state: 'failed', failed: ['a'], decision: { stop: true, rule: 'max-fail-percentage', failed: 1, of: 1, threshold: 0, text: '1 of 1 hosts failed, more than max_fail_percentage 0% (100%)' } }) },
    ];
    expect(linesOf('check', check)).toEqual(["after batch 1/2 of play 'p': STOP — 1 of 1 hosts failed, more than max_fail_percentage 0% (100%)"]);
    expect(linesOf('check', events.slice(0, 4))).toEqual(['a  gate ok  a container starts — `docker run --rm x true` passed after 0.1 s']);
  });
});

describe('terminal counters', () => {
  it('hosts done / failed / remaining, elapsed, the batch, the gates', () => {
    expect(countersText({ total: 6, done: 2, failed: 1, elapsed: 4210, batch: "batch 2/3 of play 'x'", gates: { ok: 2, failed: 1 } }, plain)).toBe("2 done, 1 failed, 3 remaining of 6 hosts · 4.2 s · batch 2/3 of play 'x' · gates 2 passed, 1 failed");
    expect(countersText({ total: 1, done: 0, failed: 0, elapsed: 0 }, plain)).toBe('0 done, 0 failed, 1 remaining of 1 host · 0.0 s');
  });
});

describe('the plan names what each gate runs', () => {
  it('command and shell gates with their command line; other tasks by name', () => {
    const health = [
      { name: 'dockerd answers', type: 'command', args: { cmd: 'docker info' } },
      { name: 'resolves', type: 'command', args: { argv: ['getent', 'hosts', 'registry.internal'] } },
      { name: 'docker up', type: 'service', args: { name: 'docker', state: 'started' } },
    ] as never;
    expect(rolloutText({ name: 'p', serial: [1, '100%'], health }, ['a', 'b'])).toBe("2 batches (serial 1, 100%): canary a (1 host), then b (1 host); health gate 'dockerd answers' (`docker info`), 'resolves' (`getent hosts registry.internal`), 'docker up' after each batch; stops when a health gate fails or every host of a batch fails.");
  });
});
