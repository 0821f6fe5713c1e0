// docker_user on real lab hosts: full hosts publishing 8080 from an inner container (one as Docker
// 20.10 leaves ip6tables, one with ip6tables' DOCKER-USER chain as Docker >= 27 makes it), an
// allowed and a disallowed client. Before: both reach the port. --check shows the chain diff, the
// IPv6 warning and the published port it cuts off; apply; the chains read with `iptables -S` /
// `ip6tables -S` through docker exec are in order; the allowed client gets the page, the other
// times out; a docker restart brings the rules back (the unit); a second apply changes nothing;
// state absent opens the port again. Then harden.yaml honours a per-host inventory override of
// the allowed sources.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleet } from '../support/cli.js';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { changedTasks, fixture, run, task } from '../support/remediation.js';
import { httpGet } from '../support/net.js';

const HARDEN = new URL('../../playbooks/harden.yaml', import.meta.url).pathname;

describe('docker_user on lab hosts', () => {
  let lab: Lab;
  const h = (n: string) => lab.hosts.find((x) => x.name === n)!;
  const out = async (host: LabHost, cmd: string) => (await host.exec(cmd)).stdout.trim();
  const fleetRules = async (host: LabHost, bin = 'iptables') => (await out(host, `${bin} -S DOCKER-USER`)).split('\n').filter((l) => l.includes('fleet-docker-user'));
  const page = 'hello from fleet lab';
  const NO_V6 = 'IPv6 not filtered: ip6tables has no DOCKER-USER chain (Docker creates one from version 27 on; older ones do not filter IPv6 there), so ports published over IPv6, if any, stay open to everyone';
  const cutOff = (ip: string) => [{ kind: 'firewall', summary: `1 published port stops answering from outside on eth0 except from ${ip}/32: fleet-lab-web 8080/tcp`, ports: [{ container: 'fleet-lab-web', hostPort: 8080, proto: 'tcp', stillFrom: [`${ip}/32`] }] }];

  beforeAll(async () => {
    lab = await startLab({
      name: 'dockeruser',
      hosts: [
        { kind: 'full', name: 'web', scenarios: ['published-port'] },
        { kind: 'full', name: 'web6', scenarios: ['published-port', 'ip6-docker-user'] },
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
    // Docker 20.10 leaves ip6tables without the chain: the plan says IPv6 is not filtered, and
    // which published port stops answering from whom
    expect(t.changes[0]!.warnings).toEqual([NO_V6]);
    expect(t.changes[0]!.impact).toEqual(cutOff(h('allowed').ip));
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
    expect(task(again.hosts, 'web', 'firewall').reason).toBe(`DOCKER-USER starts with fleet's rules in order (iptables: 3), re-applied after every docker start; ${NO_V6}`);

    // undo: rules, unit and script gone; the port is open again
    const undo = await run(fixture('docker-user-absent.yaml'), lab.inventoryPath, ['--yes', '--limit', 'web']);
    expect(undo.code, undo.out).toBe(0);
    expect(task(undo.hosts, 'web', 'firewall').changes.map((c) => c.summary)).toEqual(["remove fleet's DOCKER-USER rules (iptables)", 'remove /etc/systemd/system/fleet-docker-user.service and /usr/local/sbin/fleet-docker-user']);
    expect(await fleetRules(web)).toEqual([]);
    expect(await out(web, 'ls /etc/systemd/system/fleet-docker-user.service /usr/local/sbin/fleet-docker-user 2>/dev/null | wc -l')).toBe('0');
    expect(await out(h('denied'), httpGet(web.ip, 8080))).toBe(page);
  });
  it('applies the same policy to ip6tables where Docker made its DOCKER-USER chain, IPv6 sources only', async () => {
    const web6 = h('web6');
    const v6 = 'fd00:1::/64';
    const vars = ['-e', JSON.stringify({ allowed: [h('allowed').ip, v6] })];
    const pb = fixture('docker-user.yaml');

    const check = await run(pb, lab.inventoryPath, ['--check', '--diff', '--limit', 'web6', ...vars]);
    expect(check.code, check.out).toBe(0);
    const t = task(check.hosts, 'web6', 'firewall');
    expect(t.changes[0]!.summary).toBe('set the DOCKER-USER rules (iptables: 3 rules, ip6tables: 3 rules): replies, 2 allowed sources (IPv4: 1, IPv6: 1), 0 allowed ports, then drop on eth0');
    expect(t.changes[0]!.warnings).toBeUndefined();
    // the container has no IPv6: docker-proxy answers its [::]:8080 on the host, not DOCKER-USER
    expect(t.changes[0]!.impact).toEqual(cutOff(h('allowed').ip));
    const predicted = t.changes[0]!.diff!.after;
    expect(await fleetRules(web6, 'ip6tables')).toEqual([]);

    const apply = await run(pb, lab.inventoryPath, ['--yes', '--limit', 'web6', ...vars]);
    expect(apply.code, apply.out).toBe(0);
    expect(changedTasks(apply.hosts, ['changed'])).toEqual(changedTasks(check.hosts, ['would-change']));

    // both chains, read without fleet: what --check predicted
    const chains = `# iptables -S DOCKER-USER\n${await out(web6, 'iptables -S DOCKER-USER')}\n# ip6tables -S DOCKER-USER\n${await out(web6, 'ip6tables -S DOCKER-USER')}\n`;
    expect(chains).toBe(predicted);
    const six = await fleetRules(web6, 'ip6tables');
    expect(six).toHaveLength(3);
    expect(six[0]).toMatch(/^-A DOCKER-USER -i eth0 -m conntrack --ctstate RELATED,ESTABLISHED .*-j ACCEPT$/);
    expect(six[1]).toMatch(/^-A DOCKER-USER -s fd00:1::\/64 -i eth0 .*-j RETURN$/);
    expect(six[2]).toMatch(/^-A DOCKER-USER -i eth0 .*-j DROP$/);
    expect((await fleetRules(web6)).join('\n')).not.toContain('fd00');
    expect(await out(web6, 'ip6tables -S FORWARD')).toContain('-A FORWARD -j DOCKER-USER');
    expect(await out(web6, 'cat /usr/local/sbin/fleet-docker-user')).toContain('ip6tables -w -I DOCKER-USER 2 -s fd00:1::/64 -i eth0');
    expect(await out(h('allowed'), httpGet(web6.ip, 8080))).toBe(page);
    expect(await out(h('denied'), httpGet(web6.ip, 8080))).toBe('');

    // both families come back after a docker restart (the unit)
    await web6.exec('iptables -F DOCKER-USER; ip6tables -F DOCKER-USER; ip6tables -A DOCKER-USER -j RETURN; systemctl restart docker');
    await web6.exec('for i in $(seq 1 50); do [ "$(iptables -S DOCKER-USER | grep -c fleet-docker-user)$(ip6tables -S DOCKER-USER | grep -c fleet-docker-user)" = 33 ] && break; sleep 0.2; done');
    expect(await fleetRules(web6, 'ip6tables')).toEqual(six);

    const again = await run(pb, lab.inventoryPath, ['--yes', '--limit', 'web6', ...vars]);
    expect(again.code, again.out).toBe(0);
    expect(changedTasks(again.hosts, ['changed'])).toEqual([]);
    expect(task(again.hosts, 'web6', 'firewall').reason).toBe("DOCKER-USER starts with fleet's rules in order (iptables: 3, ip6tables: 3), re-applied after every docker start");
  });

  it('harden.yaml takes the allowed sources from a host var in the inventory (its defaults are the lowest precedence)', async () => {
    const web = h('web');
    const inv = parse(readFileSync(lab.inventoryPath, 'utf8')) as { all: { hosts: Record<string, Record<string, unknown>> } };
    Object.assign(inv.all.hosts.web!, { docker_user_interface: 'eth0', docker_user_allowed_sources: [h('allowed').ip] });
    const file = join(lab.dir, 'inventory-override.yaml');
    writeFileSync(file, stringify(inv));
    const shown = await fleet(['inventory', '-i', file, '--list', '--limit', 'web']);
    expect(shown.code, shown.stderr).toBe(0);
    expect((JSON.parse(shown.stdout) as { _meta: { hostvars: Record<string, Record<string, unknown>> } })._meta.hostvars.web).toMatchObject({ docker_user_allowed_sources: [h('allowed').ip] });

    const args = ['--limit', 'web', '--tags', 'firewall'];
    const name = 'firewall — DOCKER-USER rules for published ports';
    const check = await run(HARDEN, file, ['--check', ...args]);
    expect(check.code, check.out).toBe(0);
    const t = task(check.hosts, 'web', name);
    expect(t.changes[0]!.summary).toBe('set the DOCKER-USER rules (iptables: 3 rules): replies, 1 allowed sources, 0 allowed ports, then drop on eth0');
    expect(t.changes[0]!.impact).toEqual(cutOff(h('allowed').ip));

    const apply = await run(HARDEN, file, ['--yes', ...args]);
    expect(apply.code, apply.out).toBe(0);
    expect(changedTasks(apply.hosts, ['changed'])).toEqual(changedTasks(check.hosts, ['would-change']));
    expect((await fleetRules(web))[1]).toMatch(new RegExp(`^-A DOCKER-USER -s ${h('allowed').ip.replace(/\./g, '\\.')}/32 -i eth0 `));
    expect(await out(h('allowed'), httpGet(web.ip, 8080))).toBe(page);
    expect(await out(h('denied'), httpGet(web.ip, 8080))).toBe('');

    const again = await run(HARDEN, file, ['--yes', ...args]);
    expect(again.code, again.out).toBe(0);
    expect(changedTasks(again.hosts, ['changed'])).toEqual([]);
  });
});
