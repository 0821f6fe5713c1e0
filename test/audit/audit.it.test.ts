// fleet audit over a lab whose hosts were each given known problems: the JSON lists exactly those
// problems (nothing missing, nothing extra), the hosts are unchanged afterwards (read without
// fleet), and the HTML report, rendered in headless Chromium, shows the same host × problem cells.
//   tcp   dockerd on tcp://0.0.0.0:2375 without TLS; an OOM-killed container
//   tls   dockerd with --tlsverify, a client certificate without clientAuth; a container with the docker socket
//   app   a root container from an untagged image; not hardened (harden.yaml would change it)
//   clean nothing
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { fleet } from '../support/cli.js';
import { launchBrowser } from '../support/browser.js';

const HARDEN = new URL('../../playbooks/harden.yaml', import.meta.url).pathname;
// a boolean goes as JSON: -e k=false would be the (true) string 'false'
const VARS = ['-e', '{"dns_cache_enabled": false}'];

interface Check { id: string; status: string; severity: string; source: string; fixedBy?: string; advice?: string; evidence: string[] }
/** the DOM element fields read in the page (no DOM types in this project) */
type El = { dataset: Record<string, string | undefined>; offsetParent: unknown };
interface Host { host: string; status: string; checks: Check[] }

const EXPECTED: Record<string, string[]> = {
  tcp: ['container-oom-killed', 'docker-tcp-no-tls'],
  tls: ['container-docker-socket', 'docker-tls-client-eku'],
  app: ['container-root', 'docker_daemon', 'image-latest', 'lxc_apparmor'],
  clean: [],
};
// in a container neither dmesg nor journalctl -k reads the kernel log, and Debian's runc and
// docker.io backport fixes without changing their version: said, never reported as ok
const UNKNOWN = ['docker-known-cves', 'kernel-oom-kill', 'kernel-unregister-netdevice', 'runc-known-cves'];

/** What the audit must not change, read without fleet. */
const state = async (h: LabHost) => (await h.exec(`md5sum /etc/docker/daemon.json /etc/default/docker /etc/apparmor.d/abstractions/lxc/container-base 2>&1
docker ps -a --no-trunc --format '{{.ID}} {{.Names}} {{.State}} {{.Image}}' | sort
pidof dockerd; ls /var/lib/fleet 2>&1`)).stdout;

describe('fleet audit on a lab', () => {
  let lab: Lab;
  const dir = mkdtempSync(join(tmpdir(), 'fleet-audit-'));
  // a journal of its own: the last audit kept there is this test's
  const env = { FLEET_JOURNAL_DIR: join(dir, 'journal') };

  beforeAll(async () => {
    lab = await startLab({
      name: 'audit',
      hosts: [
        { kind: 'full', name: 'tcp', scenarios: ['docker-tcp', 'oom-killed'] },
        { kind: 'full', name: 'tls', scenarios: ['docker-tls-weak-client', 'socket-mount'] },
        { kind: 'full', name: 'app', scenarios: ['root-latest'] },
        { kind: 'full', name: 'clean' },
      ],
    });
    // every host but app gets what harden.yaml fixes fixed, so only app shows harden's problems
    const h = await fleet(['apply', HARDEN, '-i', lab.inventoryPath, '--yes', '--limit', 'all:!app', ...VARS]);
    expect(h.code, h.stdout + h.stderr).toBe(0);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('JSON: exactly the problems each host was given; nothing changed; the HTML shows the same cells', async () => {
    const before = await Promise.all(lab.hosts.map(state));
    const html = join(dir, 'audit.html');
    const r = await fleet(['audit', '-i', lab.inventoryPath, ...VARS, '--json', '--html', html], { env });
    expect(r.code, r.stderr + r.stdout.slice(0, 4000)).toBe(0);
    const report = JSON.parse(r.stdout) as { hosts: Host[]; summary: { findings: number }; since?: unknown };
    expect(report.since).toBeUndefined(); // the first audit of this inventory
    const got = Object.fromEntries(report.hosts.map((h) => [h.host, h.checks.filter((c) => c.status === 'finding').map((c) => c.id).sort()]));
    expect(got).toEqual(EXPECTED);
    for (const h of report.hosts) {
      expect(h.status).toBe('ok');
      expect(h.checks.filter((c) => c.status === 'could-not-check').map((c) => c.id).sort(), h.host).toEqual(UNKNOWN);
      // every check of both playbooks, on every host
      expect(h.checks.length).toBe(report.hosts[0]!.checks.length);
    }
    const app = report.hosts.find((h) => h.host === 'app')!.checks;
    expect(app.find((c) => c.id === 'docker_daemon')).toMatchObject({ severity: 'medium', source: 'remediation', fixedBy: 'harden.yaml: daemon.json — log rotation and live-restore' });
    const tls = report.hosts.find((h) => h.host === 'tls')!.checks.find((c) => c.id === 'docker-tls-client-eku')!;
    expect(tls.evidence).toEqual(['client certificate /etc/docker/tls/client-cert.pem (CN = fleet-lab-client, issued by CN = fleet-lab-docker-ca): no extendedKeyUsage, so Go accepts it for any purpose']);
    expect(report.hosts.find((h) => h.host === 'tcp')!.checks.find((c) => c.id === 'docker-tcp-no-tls')).toMatchObject({ severity: 'critical', evidence: ['dockerd listens on tcp://0.0.0.0:2375 (dockerd command line, ss -ltnp)', expect.stringMatching(/^no --tlsverify/)] });

    // the audit changed nothing
    expect(await Promise.all(lab.hosts.map(state))).toEqual(before);

    // the HTML, as a browser renders it
    const b = await launchBrowser();
    try {
      const page = await b.ctx.newPage();
      const requests: string[] = [];
      page.on('request', (q) => requests.push(q.url()));
      await page.goto(`file://${html}`);
      const cells = async (visible: boolean) => (await page.locator('#matrix td[data-status="finding"]').evaluateAll((els, v) => els.filter((e) => !v || (e as unknown as El).offsetParent !== null).map((e) => `${(e as unknown as El).dataset.host}:${(e as unknown as El).dataset.problem}`), visible)).sort();
      const fromJson = Object.entries(EXPECTED).flatMap(([h, ids]) => ids.map((id) => `${h}:${id}`)).sort();
      expect(await cells(false)).toEqual(fromJson);
      expect(await page.locator('#matrix tr[data-host]').evaluateAll((els) => els.map((e) => (e as unknown as El).dataset.host))).toEqual(['tcp', 'tls', 'app', 'clean']);
      expect(await page.locator('#summary').textContent()).toMatch(/^4 hosts, 8 problems \(2 critical, 2 high, 3 medium, 1 low, 0 info\), 0 unreachable; 4 checks could not run on some hosts/);
      expect(await page.locator('#scope').textContent()).toContain(`Inventory ${lab.inventoryPath};`);
      // the per-problem view: each problem once, with the hosts that have it
      const problems = await page.locator('#problems tr[data-problem]').evaluateAll((els) => els.map((e) => `${(e as unknown as El).dataset.problem}=${(e as unknown as { querySelector(q: string): { textContent: string } }).querySelector('td.hosts').textContent}`));
      expect(problems.sort()).toEqual(Object.entries(EXPECTED).flatMap(([h, ids]) => ids.map((id) => `${id}=${h}`)).sort());
      // could-not-check is folded away (closed), one line per check and reason
      expect(await page.locator('#unknown').getAttribute('open')).toBeNull();
      expect(await page.locator('#unknown li').count()).toBe(UNKNOWN.length);
      expect(await page.locator('#unknown li').first().isVisible()).toBe(false);
      // the filter: critical only
      await page.getByRole('button', { name: 'critical', exact: true }).click();
      expect(await cells(true)).toEqual(['tcp:docker-tcp-no-tls', 'tls:container-docker-socket']);
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    } finally {
      await b.close();
    }
    // the next audit of the same inventory says what changed since: nothing
    const again = await fleet(['audit', '-i', lab.inventoryPath, ...VARS, '--json'], { env });
    expect(JSON.parse(again.stdout).since).toMatchObject({ added: [], resolved: [], startedAt: expect.any(String) });
  });

  it('the table: host × problem with severity and what fixes it', async () => {
    const r = await fleet(['audit', '-i', lab.inventoryPath, ...VARS, '--limit', 'app,clean', '--fail-on', 'high']);
    expect(r.code, r.stderr + r.stdout).toBe(7); // lxc_apparmor is high: its own code, not 6 ("changes pending")
    const rows = r.stdout.split('\n').filter((l) => /^(app|clean) /.test(l)).map((l) => l.split(/\s{2,}/).slice(0, 3).join(' | '));
    expect(rows).toEqual([
      'app | high | lxc_apparmor: LXC hosts — let nested Docker write its sysctls (AppArm…', // cut at 70 characters
      'app | medium | container-root: container runs as root',
      'app | medium | docker_daemon: daemon.json — log rotation and live-restore',
      'app | low | image-latest: container from a :latest or untagged image',
    ]);
    expect(r.stdout).toMatch(/^app\s+medium\s+docker_daemon: .*\s{2}harden\.yaml: daemon\.json — log rotation and live-restore$/m);
    expect(r.stdout).toMatch(/^2 hosts: 4 problems \(1 high, 2 medium, 1 low\), 0 unreachable; 4 checks could not run on some hosts; nothing was changed$/m);
  });
});
