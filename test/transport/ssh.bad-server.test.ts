// The SSH transport against servers on loopback that are not a working sshd: every one of them
// ends connect() with an 'unreachable' TransportError that says what happened, within the connect
// timeout, whether or not the socket reported an error (a hang-up without one used to leave
// connect() pending forever).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshTransport } from '../../src/transport/ssh.js';
import { TransportError, type ConnectionSpec } from '../../src/transport/transport.js';
import { keygen } from '../support/sshd.js';
import { startBadServer, type BadKind, type BadServer } from '../support/bad-servers.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-bad-ssh-'));
const key = join(dir, 'id_ed25519');
const servers = new Map<BadKind, BadServer>();
const known = join(dir, 'known_hosts');

const spec = (s: BadServer, connectTimeoutMs = 3000): ConnectionSpec => ({
  connection: 'ssh',
  host: '127.0.0.1',
  port: s.port,
  user: 'root',
  identityFiles: [key],
  knownHostsFiles: [known],
  sshConfigFile: false,
  connectTimeoutMs,
});

async function connectError(s: BadServer, timeoutMs?: number): Promise<{ e: TransportError; ms: number }> {
  const t = new SshTransport(spec(s, timeoutMs));
  const t0 = Date.now();
  const e = await t.connect().then(
    () => expect.fail('connect() should fail'),
    (x: unknown) => x as TransportError,
  );
  await t.close();
  return { e, ms: Date.now() - t0 };
}

describe('ssh transport against hosts that are not a working sshd', () => {
  beforeAll(async () => {
    delete process.env.SSH_AUTH_SOCK;
    keygen(key);
    for (const k of ['close', 'garbage', 'garbage-hang', 'silent', 'kex-close', 'auth-hang'] as const) servers.set(k, await startBadServer(k));
    writeFileSync(known, (['kex-close', 'auth-hang'] as const).map((k) => `[127.0.0.1]:${servers.get(k)!.port} ${servers.get(k)!.hostKeyPub}\n`).join(''));
  });
  afterAll(async () => {
    for (const s of servers.values()) await s.stop();
  });

  it('accepts TCP and hangs up at once: unreachable, no SSH banner', async () => {
    const { e, ms } = await connectError(servers.get('close')!);
    expect(e).toBeInstanceOf(TransportError);
    expect(e.kind).toBe('unreachable');
    expect(e.message).toMatch(/closed the connection before sending an SSH banner/);
    expect(ms).toBeLessThan(2000);
  });

  it('answers with garbage and hangs up: unreachable, and what it sent', async () => {
    const { e, ms } = await connectError(servers.get('garbage')!);
    expect(e.kind).toBe('unreachable');
    expect(e.message).toMatch(/closed the connection before sending an SSH banner \(it sent "HTTP\/1\.1 400 Bad Request/);
    expect(ms).toBeLessThan(2000);
  });

  it('answers with garbage and then says nothing: unreachable within the connect timeout', async () => {
    const { e, ms } = await connectError(servers.get('garbage-hang')!, 1000);
    expect(e.kind).toBe('unreachable');
    expect(e.message).toMatch(/no SSH handshake within 1 s \(it sent "HTTP\/1\.1 400 Bad Request/);
    expect(ms).toBeLessThan(3000);
  });

  it('accepts TCP and never says anything: unreachable within the connect timeout', async () => {
    const { e, ms } = await connectError(servers.get('silent')!, 1000);
    expect(e.kind).toBe('unreachable');
    expect(e.message).toMatch(/no SSH handshake within 1 s/);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(3000);
  });

  it('completes the key exchange and drops the connection: unreachable, after key exchange', async () => {
    const s = servers.get('kex-close')!;
    const before = s.connections;
    const { e, ms } = await connectError(s);
    expect(s.connections - before).toBe(1);
    expect(e.kind).toBe('unreachable');
    expect(e.message).toMatch(/closed the connection after the key exchange, before authentication ended/);
    expect(ms).toBeLessThan(2000);
  });

  it('completes the key exchange and never answers authentication: unreachable within the connect timeout, saying so', async () => {
    const { e, ms } = await connectError(servers.get('auth-hang')!, 1000);
    expect(e.kind).toBe('unreachable');
    expect(e.message).toMatch(/the key exchange completed, but authentication did not end within 1 s/);
    expect(ms).toBeLessThan(3000);
  });

  it('an exec on such a host rejects too (no pending promise)', async () => {
    const t = new SshTransport(spec(servers.get('kex-close')!));
    const e = await t.exec('true').catch((x: unknown) => x as TransportError);
    expect(e).toBeInstanceOf(TransportError);
    expect((e as TransportError).kind).toBe('unreachable');
  });

  it('fleet trust (probeHostKey) settles on each of them: the key after a completed exchange, else unreachable', async () => {
    const kex = servers.get('kex-close')!;
    const { key } = await new SshTransport(spec(kex)).probeHostKey();
    expect(`ssh-ed25519 ${key.toString('base64')}`).toBe(kex.hostKeyPub);
    for (const k of ['close', 'garbage', 'silent'] as const) {
      const e = await new SshTransport(spec(servers.get(k)!, 1000)).probeHostKey().catch((x: unknown) => x as TransportError);
      expect(e, k).toBeInstanceOf(TransportError);
      expect((e as TransportError).kind, k).toBe('unreachable');
    }
  });
});
