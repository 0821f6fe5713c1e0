// Safe rollout on real hosts: a canary that fails its health gate stops the rollout and is rolled
// back to its exact previous state; the other hosts are untouched; `fleet rollback` restores files,
// package versions, holds and services; the journal records it all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { run, fixture } from '../support/remediation.js';
import { fleet } from '../support/cli.js';

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
    const again = await fleet(['rollback', runId!, '--limit', 'c1']);
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
    const rb = await fleet(['rollback', runId]);
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
});
