// @cert-authority for real: a lab host's sshd presents a certificate made by `ssh-keygen -s`, the
// known_hosts file holds only `@cert-authority * <CA key>`. A valid certificate connects (OpenSSH's
// own client agrees, as an independent check); an expired one, a wrong principal, another CA and
// a @revoked CA are refused with the reason.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshTransport } from '../../src/transport/ssh.js';
import type { TransportError } from '../../src/transport/transport.js';
import { fleet } from '../support/cli.js';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { reloadSshd } from '../support/sshd-reload.js';

describe('host certificates on a real sshd', () => {
  let lab: Lab;
  let h: LabHost;
  const dir = mkdtempSync(join(tmpdir(), 'fleet-hostcert-'));
  const ca = join(dir, 'ca');
  const otherCa = join(dir, 'other_ca');
  const pub = (k: string) => readFileSync(`${k}.pub`, 'utf8').trim();
  const knownHosts = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const connect = async (kh: string): Promise<string> => {
    const t = new SshTransport({ connection: 'ssh', host: h.ip, port: 22, user: 'root', identityFiles: [lab.keyPath], knownHostsFiles: [kh], sshConfigFile: false });
    try {
      return (await t.exec('echo connected')).stdout;
    } catch (e) {
      return `${(e as TransportError).kind}: ${(e as Error).message}`;
    } finally {
      await t.close();
    }
  };
  /** sign the host's ed25519 key, install the certificate, make sshd load it */
  const installCert = async (args: string[]) => {
    const hostPub = join(dir, 'host.pub');
    writeFileSync(hostPub, (await h.exec('cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout);
    execFileSync('ssh-keygen', ['-q', '-s', ca, '-I', 'lab-host', '-h', ...args, hostPub]);
    const r = await h.exec('cat > /etc/ssh/ssh_host_ed25519_key-cert.pub', { stdin: readFileSync(join(dir, 'host-cert.pub'), 'utf8') });
    expect(r.code).toBe(0);
    await reloadSshd(h);
  };

  beforeAll(async () => {
    lab = await startLab({ name: 'hostcert', hosts: 1, kind: 'light' });
    h = lab.hosts[0]!;
    for (const k of [ca, otherCa]) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', k]);
    // first in the file: sshd_config takes the first value of a keyword
    const r = await h.exec("sed -i '1i HostCertificate /etc/ssh/ssh_host_ed25519_key-cert.pub' /etc/ssh/sshd_config");
    expect(r.code).toBe(0);
    await installCert(['-n', h.ip]);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('connects through a valid certificate; OpenSSH agrees; fleet trust reports it known and records nothing', async () => {
    const kh = knownHosts('ca_only', `@cert-authority * ${pub(ca)}\n`);
    expect(await connect(kh)).toBe('connected\n');
    // independent check: OpenSSH's client, strict, with the same file
    const ssh = execFileSync('ssh', ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${kh}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'HostKeyAlgorithms=ssh-ed25519-cert-v01@openssh.com', '-i', lab.keyPath, `root@${h.ip}`, 'echo openssh'], { encoding: 'utf8' });
    expect(ssh).toBe('openssh\n');
    const inv = join(dir, 'inventory.yaml');
    writeFileSync(inv, `all:\n  hosts:\n    c1: { ansible_host: ${h.ip}, ansible_user: root, ansible_ssh_private_key_file: ${lab.keyPath}, known_hosts_file: ${kh} }\n`);
    const t = await fleet(['trust', '-i', inv, '--yes']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/c1 .* known\nno new host keys to record/);
    expect(readFileSync(kh, 'utf8')).toBe(`@cert-authority * ${pub(ca)}\n`);
  });

  it('refuses a certificate from another CA, and one whose CA is @revoked', async () => {
    expect(await connect(knownHosts('other_ca', `@cert-authority * ${pub(otherCa)}\n`))).toMatch(new RegExp(`^hostkey: host certificate of ${h.ip} refused: it is signed by CA SHA256:\\S+, which no @cert-authority line for ${h.ip} trusts \\(unknown CA\\)`));
    const revoked = knownHosts('revoked_ca', `@cert-authority * ${pub(ca)}\n@revoked * ${pub(ca)}\n`);
    expect(await connect(revoked)).toMatch(`hostkey: host certificate of ${h.ip} refused: its CA key SHA256:`);
    expect(await connect(revoked)).toContain(`is @revoked in ${revoked}:2`);
  });

  it('refuses an expired certificate and a wrong principal, with the reason', async () => {
    const kh = knownHosts('ca_only', `@cert-authority * ${pub(ca)}\n`);
    await installCert(['-n', h.ip, '-V', '20200101:20200102']);
    expect(await connect(kh)).toMatch(new RegExp(`^hostkey: host certificate of ${h.ip} refused: it expired at 2020-01-0[12]`));
    await installCert(['-n', 'web.example,10.255.255.1']);
    expect(await connect(kh)).toContain(`refused: it is valid for web.example, 10.255.255.1, not for ${h.ip} (wrong principal)`);
    // a valid certificate again: connects (the refusals above were the certificates, not the setup)
    await installCert(['-n', h.ip]);
    expect(await connect(kh)).toBe('connected\n');
  });
});
