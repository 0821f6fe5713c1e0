// A rollout over real local shells, as the operator follows it: the batches (canary first), each
// health gate with its command, exit status, duration and the line naming the cause, the decision
// after each batch — in the events, the plain lines, the report, the recap and `fleet runs show`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runPlaybook } from '../../src/engine/run.js';
import { parseInventoryText } from '../../src/inventory/index.js';
import { parsePlaybook } from '../../src/playbook/load.js';
import type { RunEvent } from '../../src/engine/results.js';
import { TaskRegistry } from '../../src/tasks/registry.js';
import { shellTask } from '../../src/tasks/shell.js';
import { putTask } from '../support/test-tasks.js';
import { plainReporter } from '../../src/report/plain.js';
import { recap } from '../../src/report/format.js';
import { styleFor } from '../../src/report/style.js';
import { Journal } from '../../src/engine/journal.js';
import { showRun } from '../../src/cli/runs.js';

const registry = new TaskRegistry([putTask, shellTask]);
const plain = styleFor(false);
const DOCKER = "docker: Error response from daemon: failed to create task for container: runc create failed: permission denied";

function inventory(hosts: Record<string, string>): ReturnType<typeof parseInventoryText> {
  return parseInventoryText(`all:\n  hosts:\n${Object.entries(hosts).map(([h, v]) => `    ${h}: { ansible_connection: local, ${v} }\n`).join('')}`, 'inv.yaml');
}

async function rollout(pbText: string, hosts: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-rollout-'));
  // a docker that fails as a broken runtime does: the cause, then the usage trailer
  writeFileSync(join(dir, 'docker'), `#!/bin/sh\n[ "$RC" = 0 ] && exit 0\necho '${DOCKER}' >&2\necho "See 'docker run --help'." >&2\nexit "$RC"\n`, { mode: 0o755 });
  const pb = parsePlaybook(pbText.replaceAll('DIR', dir), join(dir, 'pb.yaml'), registry);
  const events: RunEvent[] = [];
  const lines: string[] = [];
  const rep = plainReporter({ write: (l) => lines.push(...l.split('\n')), style: plain, diff: false, verbose: false });
  const journal = new Journal(join(dir, 'journal'));
  const report = await runPlaybook(pb, inventory(hosts), { mode: 'apply', registry, journal, listener: (e) => (events.push(e), rep.listener(e)) });
  await rep.finish(report);
  const out = { text: '' };
  const stdout = new PassThrough();
  stdout.on('data', (d) => (out.text += d));
  showRun({ stdout: stdout as unknown as NodeJS.WriteStream, stderr: stdout as unknown as NodeJS.WriteStream, stdin: new PassThrough() as unknown as NodeJS.ReadStream, env: {}, cwd: '/' }, report.runId, false, journal.dir);
  return { report, events, lines, recap: recap(report, plain), show: out.text };
}

const gated = `- name: hotfix
  hosts: all
  serial: [1, "100%"]
  max_fail_percentage: 0
  health:
    - name: dockerd answers
      shell: { cmd: "true" }
    - name: a container starts
      shell: { cmd: "RC={{ rc }} DIR/docker run --rm hello-local true" }
  tasks:
    - name: config
      put: { path: "DIR/{{ inventory_hostname }}", content: x }
`;

// real shells, and local hosts share one machine's host lock: their applies take turns
describe('a rollout as the operator follows it', { timeout: 30_000 }, () => {
  it('a gate failing on the second batch: batches canary first, gate results with command, exit status, cause and duration, the stop decision', async () => {
    const { report, events, lines, recap: text, show } = await rollout(gated, { h1: 'rc: 0', h2: 'rc: 0', h3: 'rc: 125' });
    // events: batch 1 (the canary), its gates, its decision; batch 2, the failed gate, the stop
    const kinds = events.filter((e) => e.type === 'batch-start' || e.type === 'batch-end').map((e) => (e.type === 'batch-start' ? `start ${e.index}/${e.of} ${e.hosts.join(',')}${e.canary ? ' canary' : ''}` : `end ${e.batch.index} ${e.batch.decision!.rule}`));
    expect(kinds).toEqual(['start 1/2 h1 canary', 'end 1 ok', 'start 2/2 h2,h3', 'end 2 health-gate']);
    const gates = events.flatMap((e) => (e.type === 'health' ? [`${e.batch} ${e.gate.host} ${e.gate.task} ${e.gate.ok ? 'ok' : `rc=${e.gate.exitCode}`}`] : [])).sort();
    expect(gates).toEqual(['1 h1 a container starts ok', '1 h1 dockerd answers ok', '2 h2 a container starts ok', '2 h2 dockerd answers ok', '2 h3 a container starts rc=125', '2 h3 dockerd answers ok']);

    // the report: the same record, the gate with the docker line (not the usage trailer)
    const [play] = report.rollout!;
    expect(play).toMatchObject({ play: 'hotfix', serial: [1, '100%'], maxFailPercentage: 0, gates: ['dockerd answers', 'a container starts'] });
    expect(play!.batches.map((b) => [b.index, b.hosts, b.canary, b.state, b.failed])).toEqual([
      [1, ['h1'], true, 'ok', []],
      [2, ['h2', 'h3'], false, 'failed', ['h3']],
    ]);
    const failed = play!.batches[1]!.gates.find((g) => !g.ok)!;
    expect(failed).toMatchObject({ host: 'h3', task: 'a container starts', exitCode: 125, error: DOCKER });
    expect(failed.command).toMatch(/^RC=125 \/.*\/docker run --rm hello-local true$/);
    expect(failed.durationMs).toBeGreaterThan(0);
    expect(play!.batches[1]!.decision).toMatchObject({ stop: true, rule: 'health-gate', failed: 1, of: 2, threshold: 0 });
    expect(report.stopped).toBe(`batch 2/2 of play 'hotfix': h3: health gate 'a container starts' failed (exit 125 after ${(failed.durationMs / 1000).toFixed(1)} s): ${DOCKER}; 1 of 2 hosts failed (50%), more than max_fail_percentage 0%`);
    expect(report.hosts.find((h) => h.host === 'h3')!.error).toMatch(new RegExp(`^health gate 'a container starts' failed: \`RC=125 .*docker run --rm hello-local true\` exit 125 after \\d+\\.\\d s: ${DOCKER}$`));

    // the plain lines: batch starts, each gate, each decision
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(lines).toContain("BATCH 1/2 of play 'hotfix' (canary): 1 host: h1");
    expect(lines).toContain("BATCH 2/2 of play 'hotfix': 2 hosts: h2, h3");
    expect(lines).toContain("after batch 1/2 of play 'hotfix': its host ok, 2 health gates passed: going on");
    expect(lines).toContainEqual(expect.stringMatching(/^h1 {2}gate ok {2}dockerd answers — `true` passed after \d+\.\d s$/));
    const gateLine = lines[at(/^h3 {2}GATE FAILED/)]!;
    expect(gateLine).toMatch(new RegExp(`^h3  GATE FAILED  a container starts — \`RC=125 .*/docker run --rm hello-local true\` exit 125 after \\d+\\.\\d s: ${DOCKER}$`));
    expect(lines[at(/^after batch 2\/2/)]).toBe(`after batch 2/2 of play 'hotfix': STOP — ${report.stopped!.replace("batch 2/2 of play 'hotfix': ", '')}`);
    expect(at(/^BATCH 1/)).toBeLessThan(at(/^after batch 1/));
    expect(at(/^after batch 1/)).toBeLessThan(at(/^BATCH 2/));
    expect(at(/^BATCH 2/)).toBeLessThan(at(/GATE FAILED/));
    expect(at(/GATE FAILED/)).toBeLessThan(at(/^after batch 2/));
    expect(lines.join('\n')).not.toMatch(/no output|See 'docker run --help'/);

    // the recap and `fleet runs show`: the same block
    const block = [
      "ROLLOUT of play 'hotfix' (serial 1, 100%; max_fail_percentage 0%; health gates 'dockerd answers', 'a container starts')",
      /^ {2}batch 1\/2 \(canary\): 1 host: h1 — ok \(\d+\.\d s\)$/,
      /^ {4}gate ok {2}dockerd answers — `true` passed on 1 host: h1 in \d+\.\d s$/,
      /^ {4}gate ok {2}a container starts — `RC=0 .*\/docker run --rm hello-local true` passed on 1 host: h1 in \d+\.\d s$/,
      /^ {4}decision: its host ok, 2 health gates passed: going on$/,
      /^ {2}batch 2\/2: 2 hosts: h2, h3 — FAILED on 1 \(\d+\.\d s\)$/,
      /^ {4}gate ok {2}dockerd answers — `true` passed on 2 hosts: h2, h3 in \d+\.\d s–\d+\.\d s$/,
      /^ {4}gate ok {2}a container starts — `RC=0 .*\/docker run --rm hello-local true` passed on 1 host: h2 in \d+\.\d s$/,
      new RegExp(`^ {4}h3 {2}GATE FAILED {2}a container starts — .* exit 125 after \\d+\\.\\d s: ${DOCKER}$`),
      /^ {4}decision: STOP — a health gate failed \(1 of 2 hosts failed, 50%; max_fail_percentage 0%\)$/,
    ];
    for (const shown of [text, show]) {
      const l = shown.split('\n');
      const start = l.indexOf(block[0] as string);
      expect(start, shown).toBeGreaterThan(-1);
      block.forEach((want, k) => (typeof want === 'string' ? expect(l[start + k]).toBe(want) : expect(l[start + k]).toMatch(want)));
    }
    expect(text).toContain(`ROLLOUT STOPPED: ${report.stopped}`);
    expect(show).toContain(`stopped: ${report.stopped}`);
  });

  it('max_fail_percentage: a failure within it goes on and says so, one over it stops; later batches are listed as not run', async () => {
    const pb = `- name: fix
  hosts: all
  serial: [1, 2]
  max_fail_percentage: 50
  tasks:
    - name: config
      put: { path: "DIR/{{ inventory_hostname }}", content: x, fail: "{{ breaks }}" }
`;
    const { report, lines, recap: text } = await rollout(pb, { h1: 'breaks: false', h2: 'breaks: true', h3: 'breaks: false', h4: 'breaks: true', h5: 'breaks: true', h6: 'breaks: false' });
    const decisions = report.rollout![0]!.batches.map((b) => [b.hosts.join(','), b.state, b.decision?.rule ?? '-', b.decision?.stop ?? '-']);
    expect(decisions).toEqual([
      ['h1', 'ok', 'ok', false],
      ['h2,h3', 'failed', 'failures-tolerated', false],
      ['h4,h5', 'failed', 'max-fail-percentage', true],
      ['h6', 'not-run', '-', '-'],
    ]);
    expect(lines).toContain("after batch 2/4 of play 'fix': 1 of 2 hosts failed (50%), within max_fail_percentage 50%: going on");
    expect(lines).toContain("after batch 3/4 of play 'fix': STOP — 2 of 2 hosts failed, more than max_fail_percentage 50% (100%)");
    expect(text).toContain('    decision: 1 of 2 hosts failed (50%), within max_fail_percentage 50%: going on');
    expect(text).toContain('    decision: STOP — 2 of 2 hosts failed, more than max_fail_percentage 50% (100%)');
    expect(text).toMatch(/^ {2}batch 4\/4: 1 host: h6 — not run$/m);
    expect(report.hosts.find((h) => h.host === 'h6')!.status).toBe('stopped');
  });
});
