// Safe rollout on real hosts: a canary that fails its health gate stops the rollout and is rolled
// back to its exact previous state; the other hosts are untouched; `fleet rollback` restores files,
// package versions, holds and services; the journal records it all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { run, fixture } from '../support/remediation.js';
import { fleet } from '../support/cli.js';
import { quote } from '../../src/shell/sh.js';

const pb = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

describe('rollout', () => {
  let lab: Lab;
  const h = (n: string) => lab.hosts.find((x) => x.name === n)!;
  const out = async (host: LabHost, cmd: string) => (await host.exec(cmd)).stdout;

  beforeAll(async () => {
    lab = await startLab({ name: 'rollout', hosts: [{ kind: 'light', name: 'c1' }, { kind: 'light', name: 'c2' }, { kind: 'light', name: 'c3' }, { kind: 'full', name: 'pkg', scenarios: ['containerd-repo'] }] });
    // the canary gets a broken config; the others a healthy one
    writeFileSync(lab.inventoryPath, readFileSync(lab.inventoryPath, 'utf8').replace('children:', 'children:\n    canary:\n      hosts: { c1: }\n      vars: { app_state: broken }\n    rest:\n      hosts: { c2:, c3: }\n      vars: { app_state: healthy }'));
    for (const n of ['c1', 'c2', 'c3']) await h(n).exec("printf 'original\\n' > /etc/app.conf && chmod 600 /etc/app.conf");
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('a canary failing its health gate stops the rollout and is rolled back exactly; the others are untouched', async () => {
    const r = await run(pb('canary.yaml'), lab.inventoryPath, ['--yes', '--limit', 'c1,c2,c3']);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(/ROLLOUT STOPPED: batch 1\/2 of play 'canary rollout': c1: health gate 'app answers' failed/);
    expect(r.out).toMatch(/c1: rolled back, restored 2/);
    const byHost = Object.fromEntries(r.hosts.map((x) => [x.host, x.status]));
    expect(byHost).toEqual({ c1: 'failed', c2: 'stopped', c3: 'stopped' });
    for (const n of ['c1', 'c2', 'c3']) {
      expect(await out(h(n), 'cat /etc/app.conf; stat -c %a /etc/app.conf; test -e /etc/app.d && echo dir || echo nodir')).toBe('original\n600\nnodir\n');
    }
    const runId = /run (\S+): details/.exec(r.out)?.[1];
    expect(runId).toBeDefined();
    const show = await fleet(['runs', 'show', runId!]);
    expect(show.stdout).toMatch(/stopped: batch 1\/2/);
    expect(show.stdout).toMatch(/rolled back c1 at/);
    const again = await fleet(['rollback', runId!, '--limit', 'c1', '--yes']);
    expect(again.stdout).toMatch(/c1: already rolled back/);
  });

  it('fleet rollback restores package versions, holds, services and files', async () => {
    const p = h('pkg');
    const before = await out(p, "dpkg-query -W -f='${Version}' containerd.io; echo; apt-mark showhold; systemctl is-active dnsmasq; systemctl is-enabled dnsmasq; test -e /etc/fleet-new.conf && echo yes || echo no");
    expect(before).toBe('1.7.28-2\ninactive\ndisabled\nno\n');
    const applied = await run(fixture('../../engine/fixtures/packages.yaml'), lab.inventoryPath, ['--yes', '--limit', 'pkg']);
    expect(applied.code, applied.out).toBe(0);
    expect(await out(p, "dpkg-query -W -f='${Version}' containerd.io; echo; apt-mark showhold; systemctl is-active dnsmasq")).toBe('1.7.28-1\ncontainerd.io\nactive\n');
    const runId = /run (\S+): details/.exec(applied.out)![1]!;
    const changed = '1.7.28-1\ncontainerd.io\nactive\n';
    const now = () => out(p, "dpkg-query -W -f='${Version}' containerd.io; echo; apt-mark showhold; systemctl is-active dnsmasq");
    // first what it will do, and nothing changes; without a terminal it needs --yes
    const preview = await fleet(['rollback', runId, '--check']);
    expect(preview.code, preview.stdout + preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/^pkg: will \(\d+\) .*install package containerd\.io 1\.7\.28-2 again/m);
    expect(preview.stdout).toMatch(/^Rollback of run \S+: 1 of 1 host to restore, \d+ changes to undo\.$/m);
    const unasked = await fleet(['rollback', runId]);
    expect(unasked.code).toBe(5);
    expect(unasked.stderr).toMatch(/without a terminal it needs --yes/);
    expect(await now()).toBe(changed);
    // a part that cannot be restored (its version gone from apt): the rest is, the run stays to do
    await p.exec('mv /etc/apt/sources.list.d/fleet-lab.list /root/ && apt-get update -qq >/dev/null 2>&1');
    const partial = await fleet(['rollback', runId, '--yes']);
    expect(partial.code, partial.stdout).toBe(2);
    expect(partial.stdout).toMatch(/^pkg: could not restore: .*package containerd\.io 1\.7\.28-2: that version is no longer installable/m);
    expect(partial.stdout).toMatch(/^pkg: not marked rolled back: `fleet rollback \S+` again retries what is left$/m);
    // the version is back: the second rollback does what was left
    await p.exec('mv /root/fleet-lab.list /etc/apt/sources.list.d/ && apt-get update -qq >/dev/null 2>&1');
    const rb = await fleet(['rollback', runId, '--yes']);
    expect(rb.code, rb.stdout + rb.stderr).toBe(0);
    expect(rb.stdout).toMatch(/pkg: restored \d+ \(.*package containerd\.io 1\.7\.28-2.*\)/);
    expect(await out(p, "dpkg-query -W -f='${Version}' containerd.io; echo; apt-mark showhold; systemctl is-active dnsmasq; systemctl is-enabled dnsmasq; test -e /etc/fleet-new.conf && echo yes || echo no")).toBe(before);
    const list = await fleet(['runs']);
    expect(list.stdout).toContain(runId);
  });

  it('a saved plan is applied exactly; a host changed since the plan is refused while the others apply; twice is a no-op', async () => {
    const dir = (await import('node:fs')).mkdtempSync('/tmp/fleet-plan-');
    const planFile = `${dir}/plan.json`;
    const made = await fleet(['plan', pb('planned.yaml'), '-i', lab.inventoryPath, '--limit', 'c2,c3', '-o', planFile, '--detailed-exitcode']);
    expect(made.code, made.stderr).toBe(6);
    const shown = await fleet(['show', planFile]);
    expect(shown.stdout).toMatch(/^host: c2$/m);
    expect(shown.stdout).toMatch(/^host: c3$/m);
    expect(shown.stdout).toContain('+planned for c2');
    // someone edits c3 after the review
    await h('c3').exec("printf 'hand edit\\n' > /etc/app.conf");
    const r = await fleet(['apply', '--plan', planFile, '--yes', '--json', `${dir}/a.json`]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const rep = JSON.parse((await import('node:fs')).readFileSync(`${dir}/a.json`, 'utf8')) as { hosts: { host: string; status: string; error?: string }[] };
    expect(rep.hosts.find((x) => x.host === 'c2')!.status).toBe('changed');
    expect(rep.hosts.find((x) => x.host === 'c3')).toMatchObject({ status: 'refused', error: expect.stringMatching(/refused: the host changed since the plan \(fact file:\/etc\/app\.conf changed; task 'app config' now plans update \/etc\/app\.conf\); nothing was changed here/) });
    expect(await out(h('c2'), 'cat /etc/app.conf')).toBe('planned for c2\n');
    expect(await out(h('c3'), 'cat /etc/app.conf')).toBe('hand edit\n');
    // the same plan again: c2 has it already (no-op), c3 is still refused
    const twice = await fleet(['apply', '--plan', planFile, '--yes', '--json', `${dir}/b.json`]);
    const rep2 = JSON.parse((await import('node:fs')).readFileSync(`${dir}/b.json`, 'utf8')) as { hosts: { host: string; status: string; counts: { changed: number } }[] };
    expect(rep2.hosts.find((x) => x.host === 'c2')).toMatchObject({ status: 'ok', counts: { changed: 0 } });
    expect(twice.code).toBe(2);
    // a playbook edited after the plan is refused as a whole
    const { appendFileSync, copyFileSync } = await import('node:fs');
    copyFileSync(pb('planned.yaml'), `${dir}/pb.yaml`);
    const p2 = `${dir}/plan2.json`;
    await fleet(['plan', `${dir}/pb.yaml`, '-i', lab.inventoryPath, '--limit', 'c2', '-o', p2]);
    appendFileSync(`${dir}/pb.yaml`, '# edited\n');
    const stale = await fleet(['apply', '--plan', p2, '--yes']);
    expect(stale.code).toBe(4);
    expect(stale.stderr).toMatch(/the playbook .*pb\.yaml changed since the plan was made; make a new plan/);
  });

  it('the rollout visible: batches canary first, each gate with command, exit status, cause and duration, the stop decision — in the plan, the progress, the recap, the JSON and `fleet runs show`', async () => {
    // a docker CLI that fails as a broken runtime does on c3: the cause, then the usage trailer
    const fake = `#!/bin/sh\n[ "$1" = info ] && exit 0\nif [ -e /etc/fake-runtime-broken ]; then echo 'docker: Error response from daemon: failed to create task for container: runc create failed: unable to start container process: permission denied' >&2; echo "See 'docker run --help'." >&2; exit 125; fi\nexit 0\n`;
    for (const n of ['c1', 'c2', 'c3']) {
      expect(await out(h(n), 'command -v docker || echo none')).toBe('none\n');
      await h(n).exec(`printf '%s' ${quote(fake)} > /usr/bin/docker && chmod 755 /usr/bin/docker && rm -f /etc/fake-runtime.conf /etc/fake-runtime-broken`);
    }
    await h('c3').exec('touch /etc/fake-runtime-broken');
    const dir = mkdtempSync(join(tmpdir(), 'fleet-gated-'));
    const r = await fleet(['apply', pb('gated.yaml'), '-i', lab.inventoryPath, '--limit', 'c1,c2,c3', '--yes', '--json', `${dir}/r.json`]);
    const text = r.stdout;
    expect(r.code, text + r.stderr).toBe(2);
    const lines = text.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const cause = 'docker: Error response from daemon: failed to create task for container: runc create failed: unable to start container process: permission denied';

    // the plan: batches canary first, the gates with their commands, when it stops
    expect(text).toContain("Rollout of play 'gated rollout': 2 batches (serial 1, 100%): canary c1 (1 host), then c2, c3 (2 hosts); health gate 'dockerd answers' (`docker info`), 'a container starts' (`docker run --rm hello-local true`) after each batch; stops when a health gate fails or more than 0% of a batch fails or every host of a batch fails.");
    // the progress: each batch, each gate, each decision, in order
    const start1 = at(/^BATCH 1\/2 of play 'gated rollout' \(canary\): 1 host: c1$/);
    const end1 = at(/^after batch 1\/2 of play 'gated rollout': its host ok, 2 health gates passed: going on$/);
    const start2 = at(/^BATCH 2\/2 of play 'gated rollout': 2 hosts: c2, c3$/);
    const failed = at(new RegExp(`^c3  GATE FAILED  a container starts — \`docker run --rm hello-local true\` exit 125 after \\d+\\.\\d s: ${cause}$`));
    const end2 = at(new RegExp(`^after batch 2/2 of play 'gated rollout': STOP — c3: health gate 'a container starts' failed \\(exit 125 after \\d+\\.\\d s\\): ${cause}; 1 of 2 hosts failed \\(50%\\), more than max_fail_percentage 0%$`));
    expect([start1, end1, start2, failed, end2].every((i) => i >= 0), text).toBe(true);
    expect(start1 < end1 && end1 < start2 && start2 < failed && failed < end2).toBe(true);
    expect(lines.slice(start1, end1)).toContainEqual(expect.stringMatching(/^c1 {2}gate ok {2}a container starts — `docker run --rm hello-local true` passed after \d+\.\d s$/));
    expect(lines.slice(start2, end2)).toContainEqual(expect.stringMatching(/^c2 {2}gate ok {2}a container starts — `docker run --rm hello-local true` passed after \d+\.\d s$/));
    expect(text).not.toMatch(/no output|See 'docker run --help'/);

    // the recap: the rollout block and the stop
    const recap = lines.slice(at(/^RECAP/));
    const block = recap.slice(recap.indexOf("ROLLOUT of play 'gated rollout' (serial 1, 100%; max_fail_percentage 0%; health gates 'dockerd answers', 'a container starts')"));
    expect(block.length, text).toBeGreaterThan(6);
    expect(block.slice(1, 10).join('\n')).toMatch(new RegExp([
      String.raw`^  batch 1/2 \(canary\): 1 host: c1 — ok \(\d+\.\d s\)`,
      String.raw`    gate ok  dockerd answers — \`docker info\` passed on 1 host: c1 in \d+\.\d s`,
      String.raw`    gate ok  a container starts — \`docker run --rm hello-local true\` passed on 1 host: c1 in \d+\.\d s`,
      String.raw`    decision: its host ok, 2 health gates passed: going on`,
      String.raw`  batch 2/2: 2 hosts: c2, c3 — FAILED on 1 \(\d+\.\d s\)`,
      String.raw`    gate ok  dockerd answers — \`docker info\` passed on 2 hosts: c2, c3 in \d+\.\d s(–\d+\.\d s)?`,
      String.raw`    gate ok  a container starts — \`docker run --rm hello-local true\` passed on 1 host: c2 in \d+\.\d s`,
      `    c3  GATE FAILED  a container starts — \`docker run --rm hello-local true\` exit 125 after \\d+\\.\\d s: ${cause}`,
      String.raw`    decision: STOP — a health gate failed \(1 of 2 hosts failed, 50%; max_fail_percentage 0%\)$`,
    ].join('\n')));
    const stopped = recap.find((l) => l.startsWith('ROLLOUT STOPPED: '))!;
    expect(stopped).toMatch(new RegExp(`^ROLLOUT STOPPED: batch 2/2 of play 'gated rollout': c3: health gate 'a container starts' failed \\(exit 125 after \\d+\\.\\d s\\): ${cause}; 1 of 2 hosts failed \\(50%\\), more than max_fail_percentage 0%$`));

    // the JSON report: the same record
    type Json = { stopped: string; rollout: { play: string; maxFailPercentage: number; batches: { index: number; hosts: string[]; canary: boolean; state: string; failed: string[]; gates: { host: string; task: string; command: string; ok: boolean; exitCode?: number; error?: string; durationMs: number }[]; decision: { stop: boolean; rule: string; failed: number; of: number; threshold: number } }[] }[] };
    const rep = JSON.parse(readFileSync(`${dir}/r.json`, 'utf8')) as Json;
    expect(rep.stopped).toBe(stopped.slice('ROLLOUT STOPPED: '.length));
    const [play] = rep.rollout;
    expect(play!.batches.map((b) => [b.hosts, b.canary, b.state, b.failed, b.decision.rule, b.decision.stop])).toEqual([
      [['c1'], true, 'ok', [], 'ok', false],
      [['c2', 'c3'], false, 'failed', ['c3'], 'health-gate', true],
    ]);
    expect(play!.batches[1]!.decision).toMatchObject({ failed: 1, of: 2, threshold: 0 });
    const gate = play!.batches[1]!.gates.find((g) => !g.ok)!;
    expect(gate).toMatchObject({ host: 'c3', task: 'a container starts', command: 'docker run --rm hello-local true', exitCode: 125, error: cause });
    expect(gate.durationMs).toBeGreaterThan(0);
    expect(play!.batches.flatMap((b) => b.gates.map((g) => `${g.host}:${g.task}:${g.ok}`))).toEqual(['c1:dockerd answers:true', 'c1:a container starts:true', 'c2:dockerd answers:true', 'c2:a container starts:true', 'c3:dockerd answers:true', 'c3:a container starts:false']);

    // `fleet runs show`: the same block and the stop, as text and as JSON
    const runId = /run (\S+): details/.exec(text)![1]!;
    const show = await fleet(['runs', 'show', runId]);
    expect(show.stdout).toContain(`stopped: ${rep.stopped}`);
    expect(show.stdout).toContain(block.slice(0, 10).join('\n'));
    const shownJson = JSON.parse((await fleet(['runs', 'show', runId, '--json'])).stdout) as Json;
    expect(shownJson.rollout).toEqual(rep.rollout);

    // the hosts: every batch that ran has the change; no rollback was asked for
    for (const n of ['c1', 'c2', 'c3']) expect(await out(h(n), 'cat /etc/fake-runtime.conf')).toBe('v2\n');
  });
});
