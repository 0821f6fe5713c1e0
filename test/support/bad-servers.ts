// TCP servers on 127.0.0.1 that are not a working sshd: one that accepts and hangs up, one that
// answers with garbage (then hangs up, or stays silent), one that never says anything, and a real
// SSH server (ssh2's) that completes the key exchange and then drops the connection, or never
// answers authentication. Each records how many connections it took.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import { keygen } from './sshd.js';

export type BadKind = 'close' | 'garbage' | 'garbage-hang' | 'silent' | 'kex-close' | 'auth-hang';

export interface BadServer {
  kind: BadKind;
  port: number;
  /** for kex-close and auth-hang: the host key, as a known_hosts line body `ssh-ed25519 AAAA...` */
  hostKeyPub?: string;
  connections: number;
  stop(): Promise<void>;
}

export const GARBAGE = 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n';

export async function startBadServer(kind: BadKind): Promise<BadServer> {
  const sockets = new Set<Socket>();
  let hostKeyPub: string | undefined;
  let onSocket: (s: Socket) => void;
  if (kind === 'kex-close' || kind === 'auth-hang') {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-bad-sshd-'));
    hostKeyPub = keygen(join(dir, 'host')).split(' ').slice(0, 2).join(' ');
    const pem = readFileSync(join(dir, 'host'));
    rmSync(dir, { recursive: true, force: true });
    // the key exchange completes, then the TCP connection drops without an SSH disconnect
    // message (as a crashing or killed sshd does)
    const ssh = new ssh2.Server({ hostKeys: [pem] }, (client) => {
      client.on('error', () => {});
      // auth-hang: the exchange completes, then no answer to any authentication request
      if (kind === 'kex-close') client.once('handshake', () => (client as unknown as { _sock: Socket })._sock.destroy());
      else client.on('authentication', () => {});
    });
    onSocket = (s) => ssh.injectSocket(s);
  } else {
    onSocket = (s) => {
      if (kind === 'close') return void s.end();
      if (kind === 'garbage') return void s.end(GARBAGE);
      if (kind === 'garbage-hang') return void s.write(GARBAGE);
      // silent: hold the connection open, say nothing
    };
  }
  const counter = { connections: 0 };
  const srv: Server = createServer((s) => {
    counter.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onSocket(s);
  });
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    kind,
    port,
    hostKeyPub,
    get connections() {
      return counter.connections;
    },
    stop: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        srv.close(() => res());
      }),
  };
}
