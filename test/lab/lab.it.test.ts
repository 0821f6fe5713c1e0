// The lab itself: real sshd with host-key checking on, and every scenario's starting state,
// checked from inside the hosts (docker exec) and with the system ssh client.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { docker } from '../../src/lab/docker.js';
import { httpGet } from '../support/net.js';

describe('lab', () => {
  let lab: Lab;
  const host = (n: string) => lab.hosts.find((h) => h.name === n)!;
  const out = async (h: LabHost, cmd: string) => (await h.exec(cmd)).stdout.trim();

  beforeAll(async () => {
    lab = await startLab({
      name: 'labtest',
      hosts: [
        { kind: 'full', name: 'guest', scenarios: ['vfs-driver', 'containerd-repo', 'lxc-guest'] },
        { kind: 'full', name: 'web', scenarios: ['dns-upstream', 'published-port'] },
        { kind: 'full', name: 'lxchost', scenarios: ['no-dns-cache', 'lxc-apparmor-host', 'proxmox-host'] },
        { kind: 'light', name: 'client' },
      ],
    });
  });
  afterAll(async () => {
    const id = lab?.id;
    await lab?.stop();
    if (id) expect((await docker(['ps', '-aq', '--filter', `label=fleet.lab.id=${id}`])).trim()).toBe('');
  });

  it('hosts accept the lab key over ssh with strict host-key checking', () => {
    for (const h of lab.hosts) {
      const r = execFileSync('ssh', ['-i', lab.keyPath, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${lab.knownHostsPath}`, `root@${h.ip}`, 'hostname >/dev/null; echo ok'], { encoding: 'utf8' });
      expect(r).toBe('ok\n');
    }
  });

  it('each host has its own host key', async () => {
    const keys = await Promise.all(lab.hosts.map((h) => out(h, 'cat /etc/ssh/ssh_host_ed25519_key.pub')));
    expect(new Set(keys).size).toBe(lab.hosts.length);
  });

  it('vfs-driver, containerd-repo, lxc-guest', async () => {
    const g = host('guest');
    expect(await out(g, "docker info --format '{{.Driver}}'")).toBe('vfs');
    expect(await out(g, "docker ps -a --format '{{.Names}}'")).toContain('fleet-lab-old');
    const policy = await out(g, 'apt-cache policy containerd.io');
    expect(policy).toMatch(/Installed: 1\.7\.28-2/);
    for (const v of ['1.7.28-1', '1.7.28-2', '1.7.29-1']) expect(policy).toContain(v);
    expect(await out(g, 'systemd-detect-virt --container')).toBe('lxc');
  });

  it('published-port is reachable from another lab host; dns-upstream answers', async () => {
    const web = host('web');
    expect(await out(host('client'), httpGet(web.ip, 8080))).toBe('hello from fleet lab');
    expect(await out(host('lxchost'), 'getent hosts anything.fleet.test')).toMatch(/^10\.77\.0\.7\s+anything\.fleet\.test/);
  });

  it('no-dns-cache, lxc-apparmor-host, proxmox-host', async () => {
    const h = host('lxchost');
    expect(await out(h, 'cat /etc/resolv.conf')).toBe(`nameserver ${host('web').ip}`);
    expect(await out(h, 'systemctl is-active dnsmasq || true')).not.toBe('active');
    expect(await out(h, 'grep -c "deny /sys/\\[^fdc\\]\\*{,/\\*\\*} wklx," /etc/apparmor.d/abstractions/lxc/container-base')).toBe('1');
    expect((await h.exec('apparmor_parser -Q -K /etc/apparmor.d/lxc-containers')).code).toBe(0);
    expect(await out(h, "dpkg-query -W -f='${Version}' lxc-pve")).toBe('6.0.5-1');
    expect(await out(h, 'apt-cache policy lxc-pve')).toContain('6.0.5-2');
    expect(await out(h, 'grep -l "nesting=1" /etc/pve/lxc/*.conf')).toBe('/etc/pve/lxc/101.conf');
    expect(await out(h, 'pveversion')).toMatch(/^pve-manager\/9\./);
    expect(await out(h, 'pct status 101')).toBe('status: running');
  });
});

describe('lab failures', () => {
  it('refuses a scenario on the wrong kind of host before starting anything', async () => {
    await expect(startLab({ name: 'labkind', hosts: [{ kind: 'light', name: 'l', scenarios: ['vfs-driver'] }] })).rejects.toThrow(/scenario vfs-driver needs a full host, l is light/);
    expect((await docker(['ps', '-aq', '--filter', 'name=fleet-labkind-'])).trim()).toBe('');
  });

  it('a failing scenario stops the whole lab: no container is left', async () => {
    // no-dns-cache without a dns-upstream host in the same lab cannot be set up
    await expect(startLab({ name: 'labfail', hosts: [{ kind: 'light', name: 'ok' }, { kind: 'full', name: 'bad', scenarios: ['no-dns-cache'] }] })).rejects.toThrow(/no-dns-cache needs a host with dns-upstream/);
    expect((await docker(['ps', '-aq', '--filter', 'name=fleet-labfail-'])).trim()).toBe('');
  });
});
