// docker_prune on a real lab host with an exited container: --check shows the files, the timer and
// what docker system df says is reclaimable; apply; read without fleet (timer enabled and active,
// the script); a second apply changes nothing. The service run by hand keeps the fresh container
// (until=168h), and removes it once the age is 1s; the tagged image stays. absent removes it all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { changedTasks, fixture, run, task } from '../support/remediation.js';
import { LOAD_BUSYBOX } from '../../src/lab/scenarios/shared.js';

describe('docker_prune on a lab host', () => {
  let lab: Lab;
  const out = async (host: LabHost, cmd: string) => (await host.exec(cmd)).stdout.trim();
  const pb = fixture('docker-prune.yaml');
  const vars = (state: string, until: string) => ['-e', `state=${state}`, '-e', `until=${until}`];

  beforeAll(async () => {
    lab = await startLab({ name: 'prune', hosts: [{ kind: 'full', name: 'p' }] });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('installs the timer, reports reclaimable space, prunes by age, and is removed by absent', async () => {
    const p = lab.hosts[0]!;
    await p.exec(LOAD_BUSYBOX);
    // an exited container holding 200 kB in its writable layer
    const id = await out(p, "docker run --name junk fleet-lab/busybox dd if=/dev/zero of=/junk bs=1k count=200 2>/dev/null; docker inspect -f '{{.Id}}' junk");
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const check = await run(pb, lab.inventoryPath, ['--check', ...vars('present', '168h')]);
    expect(check.code, check.out).toBe(0);
    const t = task(check.hosts, 'p', 'prune');
    expect(t.changes.map((c) => c.summary)).toEqual([
      'create /usr/local/sbin/fleet-docker-prune',
      'create /etc/systemd/system/fleet-docker-prune.service',
      'create /etc/systemd/system/fleet-docker-prune.timer',
      'systemctl daemon-reload, enable and start fleet-docker-prune.timer: docker system prune until=168h, daily',
    ]);
    expect(t.changes[3]!.warnings![0]).toMatch(/^docker system df: [\d.]+k?B reclaimable now \(.*Containers [\d.]+k?B.*\); a prune removes only what is older than 168h, never volumes$/);

    const apply = await run(pb, lab.inventoryPath, ['--yes', ...vars('present', '168h')]);
    expect(apply.code, apply.out).toBe(0);
    expect(changedTasks(apply.hosts, ['changed'])).toEqual(['p:prune']);
    expect(await out(p, 'systemctl is-enabled fleet-docker-prune.timer; systemctl is-active fleet-docker-prune.timer')).toBe('enabled\nactive');
    expect(await out(p, 'grep "^docker" /usr/local/sbin/fleet-docker-prune')).toBe('docker system prune -f --filter until=168h');
    const again = await run(pb, lab.inventoryPath, ['--yes', ...vars('present', '168h')]);
    expect(again.code, again.out).toBe(0);
    expect(changedTasks(again.hosts, ['changed'])).toEqual([]);
    expect(task(again.hosts, 'p', 'prune').reason).toMatch(/^fleet-docker-prune.timer is enabled and running: docker system prune until=168h, daily; docker system df: .* reclaimable now/);

    // a fresh container is younger than 168h: kept
    expect((await p.exec('systemctl start fleet-docker-prune.service')).code).toBe(0);
    expect(await out(p, `docker ps -aq --no-trunc --filter id=${id}`)).toBe(id);

    // age 1s: it goes; the tagged image stays (only dangling images are pruned)
    const short = await run(pb, lab.inventoryPath, ['--yes', ...vars('present', '1s')]);
    expect(short.code, short.out).toBe(0);
    expect(task(short.hosts, 'p', 'prune').changes.map((c) => c.summary)).toEqual(['update /usr/local/sbin/fleet-docker-prune', 'update /etc/systemd/system/fleet-docker-prune.service', 'systemctl daemon-reload (the service unit changed)']);
    await p.exec('sleep 2');
    expect((await p.exec('systemctl start fleet-docker-prune.service')).code).toBe(0);
    expect(await out(p, `docker ps -aq --no-trunc --filter id=${id}`)).toBe('');
    expect(await out(p, 'docker image inspect -f ok fleet-lab/busybox')).toBe('ok');
    const journal = await out(p, 'journalctl -u fleet-docker-prune.service --no-pager -o cat');
    expect(journal).toContain(id);
    expect(journal).toMatch(/Total reclaimed space: /);

    const rm = await run(pb, lab.inventoryPath, ['--yes', ...vars('absent', '1s')]);
    expect(rm.code, rm.out).toBe(0);
    expect(await out(p, 'ls /usr/local/sbin/fleet-docker-prune /etc/systemd/system/fleet-docker-prune.* 2>/dev/null | wc -l')).toBe('0');
    expect(await out(p, 'systemctl is-active fleet-docker-prune.timer')).toBe('inactive');
    const rm2 = await run(pb, lab.inventoryPath, ['--yes', ...vars('absent', '1s')]);
    expect(changedTasks(rm2.hosts, ['changed'])).toEqual([]);
  });
});
