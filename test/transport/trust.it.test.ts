// `fleet trust` and key rotation on real sshd lab hosts: new keys are recorded only with --yes (or
// a confirmation), then fleet connects strictly; a rotated key is refused by a run (naming both
// fingerprints, the other hosts go on) and never recorded by trust. State is checked with
// ssh-keygen, independently of fleet.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleet } from '../support/cli.js';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { reloadSshd } from '../support/sshd-reload.js';

const fpOf = (pubLine: string, dir: string): string => {
  writeFileSync(join(dir, 'tmp.pub'), `${pubLine}\n`);
  return execFileSync('ssh-keygen', ['-lf', join(dir, 'tmp.pub')], { encoding: 'utf8' }).split(' ')[1]!;
};

describe('fleet trust on real hosts', () => {
  let lab: Lab;
  const dir = mkdtempSync(join(tmpdir(), 'fleet-trust-it-'));
  const kh = join(dir, 'known_hosts');
  const inv = join(dir, 'inventory.yaml');
  const playbook = join(dir, 'touch.yaml');
  const hostKey = async (h: LabHost) => (await h.exec('cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout.trim().split(' ').slice(0, 2).join(' ');
  const fps = new Map<string, string>();

  beforeAll(async () => {
    lab = await startLab({ name: 'trust', hosts: 3, kind: 'light' });
    const hosts = lab.hosts.map((h) => `    ${h.name}: { ansible_host: ${h.ip} }`).join('\n');
    writeFileSync(inv, `all:\n  vars: { ansible_user: root, ansible_ssh_private_key_file: ${lab.keyPath}, known_hosts_file: ${kh} }\n  hosts:\n${hosts}\n`);
    writeFileSync(playbook, '- hosts: all\n  tasks:\n    - name: marker\n      copy: { dest: /tmp/fleet-trust-marker, content: "trusted\\n" }\n');
    for (const h of lab.hosts) fps.set(h.name, fpOf(await hostKey(h), dir));
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('without a terminal or --yes: shows the fingerprints, refuses with exit 5, records nothing', async () => {
    const r = await fleet(['trust', '-i', inv]);
    expect(r.code, r.stderr).toBe(5);
    for (const h of lab.hosts) expect(r.stdout).toMatch(new RegExp(`${h.name}\\s+${h.ip}:22\\s+ssh-ed25519\\s+${fps.get(h.name)!.replace(/[+/]/g, '\\$&')}\\s+NEW`));
    expect(r.stderr).toContain('3 new host key(s) not recorded: no terminal to confirm on');
    expect(existsSync(kh)).toBe(false);
    // and connecting is refused as unknown
    const run = await fleet(['apply', playbook, '-i', inv, '--yes']);
    expect(run.code).toBe(3);
    expect(run.stdout + run.stderr).toMatch(/unknown host key for /);
  });

  it('with --yes records the keys; fleet then connects strictly; a second trust changes nothing', async () => {
    const r = await fleet(['trust', '-i', inv, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`recorded 3 host keys in ${kh}`);
    // the file as OpenSSH reads it
    for (const h of lab.hosts) {
      expect(execFileSync('ssh-keygen', ['-F', h.ip, '-f', kh], { encoding: 'utf8' })).toContain((await hostKey(h)).split(' ')[1]);
    }
    const listed = execFileSync('ssh-keygen', ['-lf', kh], { encoding: 'utf8' });
    expect([...listed.matchAll(/SHA256:\S+/g)].map((m) => m[0]).sort()).toEqual([...fps.values()].sort());

    const run = await fleet(['apply', playbook, '-i', inv, '--yes']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const h of lab.hosts) expect((await h.exec('cat /tmp/fleet-trust-marker')).stdout).toBe('trusted\n');

    const before = readFileSync(kh, 'utf8');
    const again = await fleet(['trust', '-i', inv]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('no new host keys to record');
    expect(again.stdout.match(/ known$/gm)).toHaveLength(3);
    expect(readFileSync(kh, 'utf8')).toBe(before);
  });

  it('--limit, --known-hosts and --hash: one hashed line that ssh-keygen -F finds, known on the next run', async () => {
    // an inventory whose own known_hosts file does not exist: --known-hosts decides where keys go
    const inv2 = join(dir, 'inventory2.yaml');
    writeFileSync(inv2, readFileSync(inv, 'utf8').replace(`known_hosts_file: ${kh}`, `known_hosts_file: ${join(dir, 'missing')}`));
    const other = join(dir, 'hashed_known_hosts');
    const h = lab.hosts[0]!;
    const r = await fleet(['trust', '-i', inv2, '--limit', h.name, '--known-hosts', other, '--hash', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(other, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(text).toMatch(/^\|1\|/);
    expect(text).not.toContain(h.ip);
    expect(execFileSync('ssh-keygen', ['-F', h.ip, '-f', other], { encoding: 'utf8' })).toContain((await hostKey(h)).split(' ')[1]);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    const again = await fleet(['trust', '-i', inv2, '--limit', h.name, '--known-hosts', other]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/ known\nno new host keys to record/);
  });

  it('a rotated host key: a run refuses that host naming both fingerprints, the others succeed; trust warns and records nothing', async () => {
    const h = lab.hosts[1]!;
    const old = fps.get(h.name)!;
    const rot = await h.exec('rm -f /etc/ssh/ssh_host_ed25519_key* && ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key');
    expect(rot.code, rot.stderr).toBe(0);
    await reloadSshd(h);
    const now = fpOf(await hostKey(h), dir);
    expect(now).not.toBe(old);

    await Promise.all(lab.hosts.map((x) => x.exec('rm -f /tmp/fleet-trust-marker')));
    const run = await fleet(['apply', playbook, '-i', inv, '--yes']);
    expect(run.code).toBe(3); // unreachable host
    const out = run.stdout + run.stderr;
    expect(out).toContain(`HOST KEY CHANGED for ${h.ip}: ${kh}:2 has ssh-ed25519 ${old}, the host offered ${now}`);
    for (const x of lab.hosts) expect((await x.exec('cat /tmp/fleet-trust-marker 2>/dev/null || echo absent')).stdout).toBe(x === h ? 'absent\n' : 'trusted\n');

    const before = readFileSync(kh, 'utf8');
    const t = await fleet(['trust', '-i', inv, '--yes']);
    expect(t.code).toBe(5);
    expect(t.stdout).toMatch(new RegExp(`${h.name}\\s+${h.ip}:22\\s+ssh-ed25519\\s+\\S+\\s+CHANGED \\(refused\\)`));
    expect(t.stderr).toContain(`WARNING: HOST KEY CHANGED for ${h.name} (${h.ip}): ${kh}:2 has ssh-ed25519 ${old}, the host now offers ${now}`);
    expect(t.stderr).toContain(`ssh-keygen -R '${h.ip}' -f ${kh}`);
    expect(readFileSync(kh, 'utf8')).toBe(before);
  });

  it('a host known by its ed25519 key now offering only an RSA key: flagged, not recorded with --yes; recorded with --allow-new-type, then fleet connects', async () => {
    const h = lab.hosts[2]!;
    // a second sshd on the host that shows only an RSA host key, as a downgrading attacker would
    const up = await h.exec(
      'test -f /etc/ssh/ssh_host_rsa_key || ssh-keygen -q -t rsa -b 2048 -N "" -f /etc/ssh/ssh_host_rsa_key; ' +
        'printf "HostKey /etc/ssh/ssh_host_rsa_key\\nPidFile /run/sshd-rsa.pid\\nPermitRootLogin prohibit-password\\nAuthorizedKeysFile .ssh/authorized_keys\\n" > /etc/ssh/sshd_rsa_only && ' +
        '/usr/sbin/sshd -f /etc/ssh/sshd_rsa_only -p 2222',
    );
    expect(up.code, up.stderr).toBe(0);
    const ed = await hostKey(h);
    const rsa = (await h.exec('cat /etc/ssh/ssh_host_rsa_key.pub')).stdout.trim().split(' ').slice(0, 2).join(' ');
    const rsaFp = fpOf(rsa, dir);
    const kh3 = join(dir, 'known_hosts_type');
    writeFileSync(kh3, `[${h.ip}]:2222 ${ed}\n`);
    const inv3 = join(dir, 'inventory-type.yaml');
    writeFileSync(inv3, `all:\n  vars: { ansible_user: root, ansible_ssh_private_key_file: ${lab.keyPath}, known_hosts_file: ${kh3} }\n  hosts:\n    ${h.name}: { ansible_host: ${h.ip}, ansible_port: 2222 }\n`);
    // the connection itself is refused as an unknown key
    const before = await fleet(['apply', playbook, '-i', inv3, '--yes']);
    expect(before.code).toBe(3);
    expect(before.stdout + before.stderr).toContain('known_hosts lists only ssh-ed25519 keys for it');

    const t = await fleet(['trust', '-i', inv3, '--yes']);
    expect(t.code, t.stderr).toBe(5);
    expect(t.stdout).toMatch(new RegExp(`${h.name}\\s+${h.ip}:2222\\s+ssh-rsa\\s+${rsaFp.replace(/[+/]/g, '\\$&')}\\s+NEW TYPE \\(flagged\\)`));
    expect(t.stderr).toContain(`WARNING: ${h.name} ([${h.ip}]:2222) offers a ssh-rsa key (${rsaFp}), but ${kh3} knows it only by ssh-ed25519`);
    expect(t.stderr).toContain('NOT recorded');
    expect(t.stdout).toContain('no new host keys to record');
    expect(readFileSync(kh3, 'utf8')).toBe(`[${h.ip}]:2222 ${ed}\n`);

    const allowed = await fleet(['trust', '-i', inv3, '--yes', '--allow-new-type']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain(`recorded 1 host key in ${kh3}`);
    expect(execFileSync('ssh-keygen', ['-F', `[${h.ip}]:2222`, '-f', kh3], { encoding: 'utf8' })).toContain(rsa.split(' ')[1]);
    const run = await fleet(['apply', playbook, '-i', inv3, '--yes']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    await h.exec('kill "$(cat /run/sshd-rsa.pid)"');
  });
});
