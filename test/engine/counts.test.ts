// One truth for counts: for every outcome kind (ok, changed, failed, refused, unreachable, stopped,
// skipped), the host's status, its recap line, the run summary, the journal, `fleet runs`, `fleet
// runs show` and the exit code say the same thing. One real run (local shells, and a port nobody
// listens on) produces every kind.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { exitCodeOf, preparePlays, runPlaybook } from '../../src/engine/run.js';
import { Journal } from '../../src/engine/journal.js';
import { COUNT_KEYS, type HostCounts, type HostReport, type RunReport } from '../../src/engine/results.js';
import { ConnectionPool } from '../../src/engine/connections.js';
import { parseInventoryText } from '../../src/inventory/index.js';
import { parsePlaybook } from '../../src/playbook/load.js';
import { listRuns, showRun } from '../../src/cli/runs.js';
import { recap } from '../../src/report/format.js';
import { planSummary } from '../../src/report/summary.js';
import { plainReporter } from '../../src/report/plain.js';
import { styleFor } from '../../src/report/style.js';
import { testRegistry } from '../support/test-tasks.js';
import type { CliIO } from '../../src/cli/io.js';

const registry = testRegistry();
const plain = styleFor(false);
// host name = the outcome it must end with
const KINDS = ['ok', 'changed', 'skipped', 'failed', 'refused', 'unreachable', 'stopped'] as const;
type Kind = (typeof KINDS)[number];

function capture(): { io: CliIO; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  return { io: { stdout: out as unknown as NodeJS.WriteStream, stderr: out as unknown as NodeJS.WriteStream, stdin: new PassThrough() as unknown as NodeJS.ReadStream, env: {}, cwd: tmpdir() }, text: () => text };
}

describe('one truth for counts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-counts-'));
  const journal = new Journal(join(dir, 'journal'));
  let report: RunReport;
  let live: string[] = [];
  const host = (k: Kind) => report.hosts.find((h) => h.host === k)!;

  beforeAll(async () => {
    const line = (k: Kind) => (k === 'unreachable' ? `    ${k}: { ansible_host: 127.0.0.1, ansible_port: 1, ansible_user: nobody }\n` : `    ${k}: { ansible_connection: local, skip: ${k === 'skipped'}, breaks: ${k === 'failed'} }\n`);
    const inv = parseInventoryText(`all:\n  hosts:\n${KINDS.map(line).join('')}`, join(dir, 'inv.yaml'));
    // hosts in inventory order: ok..unreachable in batch 1, whose 3 bad hosts of 6 stop the rollout
    // (more than 40%) before `stopped`'s batch
    const pb = parsePlaybook(`- hosts: ok,changed,skipped,failed,refused,unreachable,stopped
  serial: [6, 1]
  max_fail_percentage: 40
  tasks:
    - name: write
      put: { path: "${dir}/{{ inventory_hostname }}", content: "new", fail: "{{ breaks }}" }
      when: not skip
`, join(dir, 'pb.yaml'), registry);
    writeFileSync(join(dir, 'ok'), 'new');
    const pool = new ConnectionPool();
    const prepared = preparePlays(pb, inv, { registry });
    const dry = await runPlaybook(pb, inv, { mode: 'check', registry, connections: pool, prepared, journal: false });
    // `refused` changes after the plan was shown: the apply must refuse it, as when a question is open
    writeFileSync(join(dir, 'refused'), 'edited meanwhile');
    const expect_ = new Map(dry.hosts.filter((h) => h.host === 'refused').map((h) => [h.host, h.plans ?? {}]));
    const lines: string[] = [];
    const rep = plainReporter({ write: (l) => lines.push(l), style: plain, diff: false, verbose: true });
    report = await runPlaybook(pb, inv, { mode: 'apply', registry, connections: pool, prepared, expect: expect_, journal, listener: rep.listener });
    await rep.finish(report);
    live = lines;
    await pool.closeAll();
  }, 60_000);

  it('every outcome kind is produced, each with the count that names it', () => {
    expect(report.hosts.map((h) => [h.host, h.status])).toEqual([
      ['ok', 'ok'],
      ['changed', 'changed'],
      ['skipped', 'ok'],
      ['failed', 'failed'],
      ['refused', 'refused'],
      ['unreachable', 'unreachable'],
      ['stopped', 'stopped'],
    ]);
    const c = (k: Kind) => host(k).counts;
    expect(c('ok')).toMatchObject({ ok: 1, changed: 0, failed: 0 });
    expect(c('changed')).toMatchObject({ changed: 1, failed: 0 });
    expect(c('skipped')).toMatchObject({ skipped: 1, ok: 0, changed: 0 });
    expect(c('failed')).toMatchObject({ failed: 1, changed: 0 });
    // refused: nothing changed there, and its recap does not say it went fine
    expect(c('refused')).toEqual({ ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, refused: 1, stopped: 0 });
    expect(c('unreachable')).toMatchObject({ unreachable: 1, failed: 0 });
    expect(c('stopped')).toEqual({ ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, refused: 0, stopped: 1 });
    // the run summary is the sum of the hosts
    for (const k of COUNT_KEYS) expect(report.summary[k], k).toBe(report.hosts.reduce((n, h) => n + h.counts[k], 0));
  });

  it('recap, live lines, journal, `fleet runs`, `fleet runs show` and the exit code agree with each host', () => {
    const text = recap(report, plain);
    const entry = journal.read(report.runId);
    const shown = capture();
    showRun(shown.io, report.runId, false, journal.dir);
    const listed = capture();
    listRuns(listed.io, journal.dir);
    const countsOf = (c: HostCounts) => COUNT_KEYS.map((k) => `${k}=${c[k]}`).join('  ');
    for (const h of report.hosts) {
      // recap line: the host's counts, and its error
      expect(text).toContain(`${h.host.padEnd(24)}  ${countsOf(h.counts)}`);
      if (h.error) expect(text).toContain(h.error);
      // journal: same status and counts
      const j = entry.hosts.find((x) => x.host === h.host)!;
      expect([j.status, j.counts], h.host).toEqual([h.status, h.counts]);
      // runs show: the status and the same counts, on the host's line
      expect(shown.text()).toContain(`  ${h.host.padEnd(24)} ${h.status}  ${countsOf(h.counts)}`);
      // the live output names a bad host's outcome as the recap does
      if (['failed', 'refused', 'unreachable'].includes(h.status) && h.error) expect(live.join('\n')).toContain(`${h.host}  ${h.status.toUpperCase()}  ${h.error}`);
    }
    expect(listed.text()).toMatch(new RegExp(`^${report.runId}  apply  stopped +7 hosts \\(changed 1, failed 1, refused 1, unreachable 1, stopped 1\\)`, 'm'));
    expect(exitCodeOf(report)).toBe(2);
  });

  it('the exit code of each outcome alone', () => {
    const alone = (k: Kind): RunReport => {
      const hosts: HostReport[] = [host(k)];
      return { ...report, hosts };
    };
    const codes = Object.fromEntries(KINDS.map((k) => [k, [exitCodeOf(alone(k)), exitCodeOf(alone(k), true)]]));
    expect(codes).toEqual({ ok: [0, 0], changed: [0, 6], skipped: [0, 0], failed: [2, 2], refused: [2, 2], unreachable: [3, 3], stopped: [2, 2] });
  });

  it('the plan summary counts hosts by the same statuses', () => {
    expect(planSummary(report, plain)[0]).toBe('Plan: 1 of 7 hosts to change, 2 unchanged, 1 unreachable, 1 refused, 1 failed, 1 stopped.');
  });
});
