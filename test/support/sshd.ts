// A throwaway OpenSSH sshd on a loopback port: its own host key, client key, authorized_keys and
// known_hosts in a temp dir. Runs the binary directly (never the system service). Needs root,
// as sshd does to log a user in.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';
/** why sshd tests cannot run here, or undefined */
export const sshdMissing = existsSync(SSHD) ? undefined : `${SSHD} is not installed (apt-get install -y openssh-server)`;

export interface Sshd {
  port: number;
  /** the host key, as a known_hosts line body: `ssh-ed25519 AAAA...` */
  hostKeyPub: string;
  clientKeyPath: string;
  /** a known_hosts file listing this server as [127.0.0.1]:port */
  knownHostsPath: string;
  user: 'root';
  dir: string;
  /** everything sshd wrote to stderr so far (for failing tests) */
  log(): string;
  stop(): Promise<void>;
}

export interface SshdOptions {
  port?: number;
  /** authorized client key (public, one line); default: a fresh key pair in the temp dir */
  authorizedKey?: string;
  /** extra sshd_config lines */
  extraConfig?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

export const keygen = (path: string, type = 'ed25519'): string => {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', '', '-f', path]);
  return readFileSync(`${path}.pub`, 'utf8').trim();
};

export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-sshd-'));
  mkdirSync('/run/sshd', { recursive: true }); // privilege separation directory
  const hostKeyPub = keygen(join(dir, 'host_ed25519')).split(' ').slice(0, 2).join(' ');
  const clientKeyPath = join(dir, 'client_ed25519');
  const clientPub = opts.authorizedKey ?? keygen(clientKeyPath);
  writeFileSync(join(dir, 'authorized_keys'), `${clientPub}\n`);
  const port = opts.port ?? (await freePort());
  const knownHostsPath = join(dir, 'known_hosts');
  writeFileSync(knownHostsPath, `[127.0.0.1]:${port} ${hostKeyPub}\n`);
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      // first value wins in sshd_config too: extra lines override the defaults below
      opts.extraConfig ?? '',
      `ListenAddress 127.0.0.1`,
      `Port ${port}`,
      `HostKey ${join(dir, 'host_ed25519')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'AllowTcpForwarding yes',
      'LogLevel VERBOSE',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (exited !== undefined) throw new Error(`sshd exited with ${exited}:\n${log}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sshd did not listen on 127.0.0.1:${port} within 10 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    hostKeyPub,
    clientKeyPath,
    knownHostsPath,
    user: 'root',
    dir,
    log: () => log,
    stop: async () => {
      if (exited === undefined) {
        await new Promise<void>((res) => {
          child.once('exit', () => res());
          child.kill('SIGTERM');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A target sshd and a jump host that accepts the target's client key and logs forwarded
 *  connections (debug level), so a test can see the hop. */
export async function startSshdWithJump(): Promise<{ sshd: Sshd; jump: Sshd }> {
  const sshd = await startSshd();
  const jump = await startSshd({ authorizedKey: readFileSync(`${sshd.clientKeyPath}.pub`, 'utf8'), extraConfig: 'LogLevel DEBUG1' });
  return { sshd, jump };
}
