// SSH on ssh2: one persistent connection per host over a socket we own (TCP_NODELAY: Nagle costs
// ~40 ms per exec otherwise), keepalives, timeouts, strict host keys, keys from files or the agent,
// ~/.ssh/config and ProxyJump.
import { existsSync, readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type AuthenticationType, type ClientChannel, type Client as SshClient } from 'ssh2';
import { loadKnownHosts, verifyHostKey, type KnownHostEntry } from './known-hosts.js';
import { loadSshConfig, lookupHost, type SshConfigEntry } from './ssh-config.js';
import { TransportError, type ConnectionSpec, type ExecOptions, type ExecResult, type Transport } from './transport.js';
import type { Duplex } from 'node:stream';

// ssh2 is CommonJS: take its classes from the default export
const { Client, utils } = ssh2;
type Client = SshClient;

export interface Hop {
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((k) => join(homedir(), '.ssh', k));
const DEFAULT_KNOWN = [join(homedir(), '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'];

function parseHop(text: string): { user?: string; host: string; port?: number } {
  const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(text.trim());
  if (!m) throw new TransportError('config', `bad ProxyJump hop '${text}': use [user@]host[:port]`);
  return { user: m[1], host: m[2]!.replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : undefined };
}

/** Inventory values win over ~/.ssh/config values, as in Ansible. */
export function resolveHops(spec: ConnectionSpec, config: SshConfigEntry[]): Hop[] {
  const fromConfig = lookupHost(config, spec.host);
  const target: Hop = {
    host: fromConfig.hostname ?? spec.host,
    port: spec.port !== 22 ? spec.port : (fromConfig.port ?? 22),
    user: spec.user ?? fromConfig.user ?? process.env.USER ?? 'root',
    identityFiles: spec.identityFiles.length ? spec.identityFiles : fromConfig.identityFiles,
  };
  const jump = spec.proxyJump ?? fromConfig.proxyJump;
  const hops = (jump ? jump.split(',') : []).map((h) => {
    const p = parseHop(h);
    const c = lookupHost(config, p.host);
    return { host: c.hostname ?? p.host, port: p.port ?? c.port ?? 22, user: p.user ?? c.user ?? target.user, identityFiles: c.identityFiles };
  });
  return [...hops, target];
}

interface Live {
  client: Client;
  jumps: Client[];
}

export class SshTransport implements Transport {
  execCount = 0;
  private live?: Live;
  private pending?: Promise<Live>;
  private readonly config: SshConfigEntry[];
  private readonly known: KnownHostEntry[];
  readonly target: string;

  constructor(private readonly spec: ConnectionSpec) {
    this.config = loadSshConfig(spec.sshConfigFile);
    const fromConfig = lookupHost(this.config, spec.host).userKnownHostsFiles;
    this.known = loadKnownHosts(spec.knownHostsFiles ?? (fromConfig.length ? fromConfig : DEFAULT_KNOWN));
    const hops = resolveHops(spec, this.config);
    const t = hops[hops.length - 1]!;
    this.target = `${t.user}@${t.host}:${t.port}`;
  }

  async connect(): Promise<void> {
    if (this.live) return;
    this.pending ??= this.open().finally(() => (this.pending = undefined));
    this.live = await this.pending;
  }

  private async open(): Promise<Live> {
    const hops = resolveHops(this.spec, this.config);
    const jumps: Client[] = [];
    let via: Client | undefined;
    try {
      for (const hop of hops) {
        const sock = via ? await forward(via, hop) : await tcp(hop, this.spec.connectTimeoutMs ?? 10_000);
        const client = await this.handshake(hop, sock);
        if (hop !== hops[hops.length - 1]) jumps.push(client);
        via = client;
      }
    } catch (e) {
      for (const j of jumps) j.end();
      throw e;
    }
    const client = via!;
    client.on('close', () => {
      if (this.live?.client === client) this.live = undefined;
      for (const j of jumps) j.end();
    });
    return { client, jumps };
  }

  private handshake(hop: Hop, sock: Duplex): Promise<Client> {
    return new Promise((resolve, reject) => {
      const client = new Client();
      let hostKeyError: string | undefined;
      const notes: string[] = [];
      const methods = authMethods(hop, notes);
      const tried: string[] = [];
      client.on('ready', () => resolve(client));
      client.on('error', (err: Error & { level?: string }) => {
        client.end();
        if (hostKeyError) return reject(new TransportError('hostkey', hostKeyError));
        if (err.level === 'client-authentication')
          return reject(new TransportError('auth', `authentication as ${hop.user}@${hop.host}:${hop.port} failed; tried ${tried.join(', ') || 'nothing (no key file found and no ssh-agent)'}${notes.length ? `; ${notes.join('; ')}` : ''}`));
        if (err.level === 'client-timeout') return reject(new TransportError('unreachable', `${hop.host}:${hop.port}: SSH handshake timed out`));
        reject(new TransportError('unreachable', `${hop.host}:${hop.port}: ${err.message}`));
      });
      client.connect({
        sock,
        username: hop.user,
        readyTimeout: this.spec.connectTimeoutMs ?? 10_000,
        keepaliveInterval: this.spec.keepaliveIntervalMs ?? 15_000,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          const v = verifyHostKey(this.known, hop.host, hop.port, key);
          if (!v.ok) hostKeyError = v.message;
          return v.ok;
        },
        authHandler: (_left: AuthenticationType[] | null, _partial: boolean | null, next: (m: unknown) => void) => {
          const m = methods.shift();
          if (!m) return next(false);
          tried.push(m.label);
          next(m.auth);
        },
      } as never);
    });
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    try {
      await this.connect();
    } catch (e) {
      throw e;
    }
    const client = this.live!.client;
    this.execCount++;
    const timeoutMs = opts.timeoutMs ?? this.spec.commandTimeoutMs ?? 10 * 60_000;
    return new Promise((resolve, reject) => {
      let done = false;
      let channel: ClientChannel | undefined;
      const finish = (f: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        client.off('close', onClose);
        f();
      };
      const onClose = () => finish(() => reject(new TransportError('closed', `${this.target}: connection lost while running a command`)));
      client.once('close', onClose);
      const timer = setTimeout(() => {
        finish(() => reject(new TransportError('timeout', `${this.target}: command timed out after ${Math.round(timeoutMs / 1000)} s`)));
        try {
          channel?.signal('KILL');
          channel?.close();
        } catch {}
      }, timeoutMs);
      client.exec(command, (err, stream) => {
        if (err) return finish(() => reject(new TransportError('closed', `${this.target}: cannot open a channel: ${err.message}`)));
        channel = stream;
        const out: Buffer[] = [];
        const errs: Buffer[] = [];
        let code: number | null = null;
        let signal: string | undefined;
        stream.on('data', (d: Buffer) => out.push(d));
        stream.stderr.on('data', (d: Buffer) => errs.push(d));
        stream.on('exit', (c: number | null, s?: string) => {
          code = c;
          signal = s ?? undefined;
        });
        stream.on('close', () => finish(() => resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errs).toString('utf8'), code, signal })));
        stream.end(opts.stdin ?? '');
      });
    });
  }

  async close(): Promise<void> {
    const live = this.live;
    this.live = undefined;
    if (!live) return;
    await new Promise<void>((res) => {
      live.client.once('close', () => res());
      live.client.end();
      setTimeout(res, 1000).unref();
    });
    for (const j of live.jumps) j.end();
  }
}

function authMethods(hop: Hop, notes: string[]): { label: string; auth: unknown }[] {
  const out: { label: string; auth: unknown }[] = [];
  const files = hop.identityFiles.length ? hop.identityFiles : DEFAULT_KEYS.filter((f) => existsSync(f));
  const passphrase = process.env.FLEET_SSH_KEY_PASSPHRASE;
  for (const f of files) {
    let data: Buffer;
    try {
      data = readFileSync(f);
    } catch {
      notes.push(`key ${f} not readable`);
      continue;
    }
    const parsed = utils.parseKey(data, passphrase);
    if (parsed instanceof Error) {
      notes.push(/encrypt|passphrase/i.test(parsed.message) ? `key ${f} is encrypted (set FLEET_SSH_KEY_PASSPHRASE or use ssh-agent)` : `key ${f}: ${parsed.message}`);
      continue;
    }
    out.push({ label: `key ${f}`, auth: { type: 'publickey', username: hop.user, key: data, passphrase } });
  }
  if (process.env.SSH_AUTH_SOCK) out.push({ label: 'ssh-agent', auth: { type: 'agent', username: hop.user, agent: process.env.SSH_AUTH_SOCK } });
  return out;
}

function tcp(hop: Hop, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = netConnect({ host: hop.host, port: hop.port });
    sock.setNoDelay(true);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new TransportError('unreachable', `${hop.host}:${hop.port}: connect timed out after ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      resolve(sock);
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new TransportError('unreachable', `${hop.host}:${hop.port}: ${e.code ?? e.message}`));
    });
  });
}

function forward(via: Client, hop: Hop): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    via.forwardOut('127.0.0.1', 0, hop.host, hop.port, (err, stream) => {
      if (err) reject(new TransportError('unreachable', `jump to ${hop.host}:${hop.port} failed: ${err.message}`));
      else resolve(stream);
    });
  });
}
