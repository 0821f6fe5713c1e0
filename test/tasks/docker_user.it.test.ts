// docker_user on real lab hosts: a full host publishing 8080 from an inner container, an allowed
// and a disallowed client. Before: both reach the port. --check shows the chain diff; apply; the
// chain read with `iptables -S` through docker exec is in order; the allowed client gets the page,
// the other times out; a docker restart brings the rules back (the unit); a second apply changes
// nothing; state absent opens the port again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { changedTasks, fixture, run, task } from '../support/remediation.js';
import { httpGet } from '../support/net.js';

describe('docker_user on lab hosts', () => {
  let lab: Lab;
  const h = (n: string) => lab.hosts.find((x) => x.name === n)!;
  const out = async (host: LabHost, cmd: string) => (await host.exec(cmd)).stdout.trim();
  const fleetRules = async (host: LabHost) => (await out(host, 'iptables -S DOCKER-USER')).split('\n').filter((l) => l.includes('fleet-docker-user'));
  const page = 'hello from fleet lab';

  beforeAll(async () => {
    lab = await startLab({
      name: 'dockeruser',
      hosts: [
        { kind: 'full', name: 'web', scenarios: ['published-port'] },
        { kind: 'light', name: 'allowed' },
        { kind: 'light', name: 'denied' },
      ],
    });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('filters the published port by source, survives a docker restart, converges, and undoes', async () => {
    const web = h('web');
    for (const c of ['allowed', 'denied']) expect(await out(h(c), httpGet(web.ip, 8080))).toBe(page);
    const vars = ['-e', JSON.stringify({ allowed: [h('allowed').ip] })];
    const pb = fixture('docker-user.yaml');

    const check = await run(pb, lab.inventoryPath, ['--check', '--diff', '--limit', 'web', ...vars]);
    expect(check.code, check.out).toBe(0);
    const t = task(check.hosts, 'web', 'firewall');
    expect(t.status).toBe('would-change');
    expect(t.changes.map((c) => c.summary)).toEqual([
      'set the DOCKER-USER rules (iptables: 3 rules): replies, 1 allowed sources, 0 allowed ports, then drop on eth0',
      'boot script: create /usr/local/sbin/fleet-docker-user',
      'systemd unit: create /etc/systemd/system/fleet-docker-user.service',
      'enable and start fleet-docker-user.service (runs after every docker start)',
    ]);
    const predicted = t.changes[0]!.diff!.after;
    expect(await fleetRules(web)).toEqual([]); // check changed nothing

    const apply = await run(pb, lab.inventoryPath, ['--yes', '--limit', 'web', ...vars]);
    expect(apply.code, apply.out).toBe(0);
    expect(changedTasks(apply.hosts, ['changed'])).toEqual(changedTasks(check.hosts, ['would-change']));

    // the chain, read without fleet: exactly what --check predicted, in order
    const chain = await out(web, 'iptables -S DOCKER-USER');
    expect(`# iptables -S DOCKER-USER\n${chain}\n`).toBe(predicted);
    const rules = await fleetRules(web);
    expect(rules).toHaveLength(3);
    expect(chain.split('\n').slice(1, 4)).toEqual(rules);
    expect(rules[0]).toMatch(/^-A DOCKER-USER -i eth0 -m conntrack --ctstate RELATED,ESTABLISHED .*-j ACCEPT$/);
    expect(rules[1]).toMatch(new RegExp(`^-A DOCKER-USER -s ${h('allowed').ip.replace(/\./g, '\\.')}/32 -i eth0 .*-j RETURN$`));
    expect(rules[2]).toMatch(/^-A DOCKER-USER -i eth0 .*-j DROP$/);
    expect(await out(web, 'cat /usr/local/sbin/fleet-docker-user')).toContain(`iptables -w -I DOCKER-USER 2 -s ${h('allowed').ip}/32 -i eth0`);
    expect(await out(web, 'systemctl is-enabled fleet-docker-user; systemctl is-active fleet-docker-user')).toBe('enabled\nactive');

    // the service: allowed gets the page, the other is dropped (times out)
    expect(await out(h('allowed'), httpGet(web.ip, 8080))).toBe(page);
    expect(await out(h('denied'), httpGet(web.ip, 8080))).toBe('');
    expect(await out(web, 'busybox wget -qO- http://127.0.0.1:8080/')).toBe(page); // local traffic is not forwarded from eth0

    // persistence: rules gone, docker restarts, the unit puts them back in order
    await web.exec('iptables -F DOCKER-USER; systemctl restart docker');
    // the unit's restart is propagated from docker's (PartOf): give it a moment to finish
    await web.exec('for i in $(seq 1 50); do [ "$(iptables -S DOCKER-USER | grep -c fleet-docker-user)" = 3 ] && break; sleep 0.2; done');
    expect(await fleetRules(web)).toEqual(rules);
    expect(await out(h('denied'), httpGet(web.ip, 8080))).toBe('');

    const again = await run(pb, lab.inventoryPath, ['--yes', '--limit', 'web', ...vars]);
    expect(again.code, again.out).toBe(0);
    expect(changedTasks(again.hosts, ['changed'])).toEqual([]);
    expect(task(again.hosts, 'web', 'firewall').reason).toBe("DOCKER-USER starts with fleet's rules in order (iptables: 3), re-applied after every docker start");

    // undo: rules, unit and script gone; the port is open again
    const undo = await run(fixture('docker-user-absent.yaml'), lab.inventoryPath, ['--yes', '--limit', 'web']);
    expect(undo.code, undo.out).toBe(0);
    expect(task(undo.hosts, 'web', 'firewall').changes.map((c) => c.summary)).toEqual(["remove fleet's DOCKER-USER rules (iptables)", 'remove /etc/systemd/system/fleet-docker-user.service and /usr/local/sbin/fleet-docker-user']);
    expect(await fleetRules(web)).toEqual([]);
    expect(await out(web, 'ls /etc/systemd/system/fleet-docker-user.service /usr/local/sbin/fleet-docker-user 2>/dev/null | wc -l')).toBe('0');
    expect(await out(h('denied'), httpGet(web.ip, 8080))).toBe(page);
  });
});
