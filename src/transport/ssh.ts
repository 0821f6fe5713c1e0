// SSH on ssh2: one persistent connection per host over a socket we own (TCP_NODELAY: Nagle costs
// ~40 ms per exec otherwise), keepalives, connect and command timeouts, strict host keys (plain,
// or a host certificate checked by host-check.ts), keys from files or the agent, ~/.ssh/config and
// ProxyJump (each jump's forwarded stream is the next hop's socket). A handshake always settles
// within the connect timeout, also when the host hangs up without an SSH error; an exec's output
// is capped (max_output), and a command given up on is killed first by the caller (ExecOptions).
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2, { type ClientChannel, type Client as SshClient, type ConnectConfig } from 'ssh2';
import { checkHostKey } from './host-check.js';
import { loadKnownHosts, preferredHostKeyAlgorithms, type KnownHostEntry } from './known-hosts.js';
import { authPlan, methodOf } from './ssh-auth.js';
import { resolveConnection, type Hop, type ResolvedConnection } from './ssh-config.js';
import { DEFAULT_MAX_OUTPUT_BYTES, tooMuchOutput, TransportError, type ConnectionSpec, type ExecOptions, type ExecResult, type Transport } from './transport.js';

// ssh2 is CommonJS: take its classes from the default export
const { Client } = ssh2;

export type { Hop } from './ssh-config.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_KEEPALIVE_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 3;
// what ssh2 1.x supports, in its default order (it never offers host certificates)
const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/** Hops in connection order (jumps, then the target); kept for callers of the old API. */
export function resolveHops(spec: ConnectionSpec): Hop[] {
  const r = resolveConnection(spec);
  return [...r.jumps, r.target];
}

const hopName = (h: Hop) => `${h.user}@${h.host}:${h.port}`;
const secs = (ms: number) => `${Math.round(ms / 100) / 10} s`;

interface Live {
  client: SshClient;
  jumps: SshClient[];
  closed: boolean;
  /** why the connection went away, for the 'closed' error */
  lastError?: Error;
}

export class SshTransport implements Transport {
  execCount = 0;
  readonly target: string;
  private live?: Live;
  private pending?: Promise<Live>;
  private readonly resolved: ResolvedConnection | TransportError;

  constructor(private readonly spec: ConnectionSpec) {
    // a bad ssh config must not throw here: it is reported by connect(), as the host's error
    try {
      this.resolved = resolveConnection(spec);
    } catch (e) {
      this.resolved = e instanceof TransportError ? e : new TransportError('config', `${spec.host}: ${(e as Error).message}`, { cause: e });
    }
    this.target = this.resolved instanceof TransportError ? `${spec.user ?? ''}${spec.user ? '@' : ''}${spec.host}:${spec.port}` : hopName(this.resolved.target);
  }

  async connect(): Promise<void> {
    await this.ensure();
  }

  private ensure(): Promise<Live> {
    if (this.live && !this.live.closed) return Promise.resolve(this.live);
    this.pending ??= this.open().then(
      (live) => {
        this.pending = undefined;
        this.live = live;
        return live;
      },
      (e: unknown) => {
        this.pending = undefined;
        throw e;
      },
    );
    return this.pending;
  }

  /** Authenticated connections through every jump host, then a socket to the target. */
  private async reach(r: ResolvedConnection): Promise<{ jumps: SshClient[]; sock: Duplex }> {
    const timeoutMs = this.spec.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const jumps: SshClient[] = [];
    try {
      for (const hop of r.jumps) {
        const via = jumps.at(-1);
        const sock = via ? await forward(via, hop, timeoutMs) : await tcp(hop, timeoutMs);
        jumps.push(await this.handshake(hop, sock, via !== undefined));
      }
      const via = jumps.at(-1);
      return { jumps, sock: via ? await forward(via, r.target, timeoutMs) : await tcp(r.target, timeoutMs) };
    } catch (e) {
      for (const j of jumps) j.end();
      throw e;
    }
  }

  private async open(): Promise<Live> {
    if (this.resolved instanceof TransportError) throw this.resolved;
    const { jumps, sock } = await this.reach(this.resolved);
    let client: SshClient;
    try {
      client = await this.handshake(this.resolved.target, sock, jumps.length > 0);
    } catch (e) {
      for (const j of jumps) j.end();
      throw e;
    }
    const live: Live = { client, jumps, closed: false };
    live.client.on('error', (e: Error) => (live.lastError = e));
    live.client.on('close', () => {
      live.closed = true;
      for (const j of jumps) j.end();
    });
    return live;
  }

  private handshake(hop: Hop, sock: Duplex, viaJump: boolean): Promise<SshClient> {
    let known: KnownHostEntry[];
    try {
      known = loadKnownHosts(hop.knownHostsFiles);
    } catch (e) {
      return Promise.reject(new TransportError('config', `cannot read known_hosts for ${hop.host}: ${(e as Error).message}`));
    }
    const { attempts, notes } = authPlan({ user: hop.user, identityFiles: hop.identityFiles, password: this.spec.password });
    const tried: string[] = [];
    const through = viaJump ? ' (through ProxyJump)' : '';
    const timeoutMs = this.spec.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const client = new Client();
      let hostKeyError: string | undefined;
      let ready = false;
      // set once the handshake failed or timed out: a late host key verdict must not touch it
      let gone = false;
      const heard = listen(sock);
      client.once('handshake', () => (heard.kex = true));
      const fail = (e: TransportError) => {
        gone = true;
        clearTimeout(guard);
        client.end();
        sock.destroy();
        reject(e);
      };
      const unreachable = (why: string, cause?: unknown) => fail(new TransportError('unreachable', `${hopName(hop)}${through}: ${why}`, { cause }));
      // ssh2's own ready timeout is cleared when the socket ends: this one always fires
      const guard = setTimeout(() => unreachable(heard.timedOut(secs(timeoutMs))), timeoutMs + 1000);
      client.once('ready', () => {
        ready = true;
        clearTimeout(guard);
        heard.stop();
        resolve(client);
      });
      // a host that hangs up without an SSH error (no banner, after the key exchange...) leaves
      // ssh2 with nothing to report: without this, connect() would never settle
      client.once('close', () => {
        if (!ready && !gone) unreachable(heard.closed(tried));
        gone = true;
      });
      // `on`, not `once`: a second error (socket error, then timeout) must not go unhandled
      client.on('error', (err: Error & { level?: string }) => {
        if (ready || gone) return; // the live connection's own listener (open()) takes over
        if (hostKeyError) return fail(new TransportError('hostkey', hostKeyError, { cause: err }));
        if (err.level === 'client-authentication') {
          const what = tried.length ? tried.join(', ') : 'nothing (no usable key file, no ssh-agent)';
          const skipped = notes.length ? `; ${notes.join('; ')}` : '';
          return fail(new TransportError('auth', `authentication as ${hopName(hop)} failed; tried ${what}${skipped}`, { cause: err }));
        }
        if (err.level === 'client-timeout') return unreachable(heard.timedOut(secs(timeoutMs)), err);
        if (err.level === 'protocol' && /^Connection lost/.test(err.message)) return unreachable(heard.closed(tried), err);
        unreachable(`${err.message}${heard.sent()}`, err);
      });
      const config: ConnectConfig = {
        sock: sock as ConnectConfig['sock'],
        username: hop.user,
        readyTimeout: timeoutMs,
        keepaliveInterval: this.spec.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_MS,
        keepaliveCountMax: KEEPALIVE_COUNT_MAX,
        algorithms: { serverHostKey: preferredHostKeyAlgorithms(known, hop.host, hop.port, HOST_KEY_ALGORITHMS) as never },
        // the callback form: a certificate check fetches the certificate first (async)
        hostVerifier: (key: Buffer, done: (ok: boolean) => void) => {
          checkHostKey({ entries: known, host: hop.host, port: hop.port, key, addTo: hop.knownHostsFiles[0], timeoutMs })
            .catch((e: unknown) => ({ ok: false as const, kind: 'certificate' as const, message: `${hopName(hop)}: host key check failed: ${(e as Error).message}` }))
            .then((v) => {
              if (!v.ok) hostKeyError = v.message;
              if (!gone) done(v.ok);
            });
        },
        authHandler: (left, _partial, next) => {
          // skip what the server no longer accepts (null: the first call, before it said)
          let a = attempts.shift();
          while (a && left && !left.includes(methodOf(a) as never)) a = attempts.shift();
          if (!a) return next(false as never);
          tried.push(a.label);
          next(a.auth as never);
        },
      };
      client.connect(config);
    });
  }

  /**
   * The key the target host offers, for `fleet trust`. Jump hosts must already be trusted. The
   * target's key exchange completes (so the host proved it holds the key), then fleet hangs up
   * without authenticating. `alsoKnown`: more known_hosts files whose key types to prefer.
   */
  async probeHostKey(alsoKnown: readonly string[] = []): Promise<{ hop: Hop; key: Buffer }> {
    if (this.resolved instanceof TransportError) throw this.resolved;
    const target = this.resolved.target;
    const known = loadKnownHosts([...target.knownHostsFiles, ...alsoKnown]);
    const { jumps, sock } = await this.reach(this.resolved);
    const timeoutMs = this.spec.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    try {
      const key = await captureHostKey(target, sock, preferredHostKeyAlgorithms(known, target.host, target.port, HOST_KEY_ALGORITHMS), timeoutMs, jumps.length > 0);
      return { hop: target, key };
    } finally {
      for (const j of jumps) j.end();
    }
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const live = await this.ensure();
    this.execCount++;
    try {
      return await this.run(live, command, opts);
    } catch (e) {
      // the connection died before the command started (no channel): reconnect once and retry,
      // which is safe because nothing ran
      if (e instanceof NoChannel && live.closed) return this.run(await this.ensure(), command, opts);
      throw e instanceof NoChannel ? new TransportError('closed', e.message) : e;
    }
  }

  private run(live: Live, command: string, opts: ExecOptions): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? this.spec.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    const maxOutput = this.spec.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const { client } = live;
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
      /** give up on the command: kill what it runs on the host (the caller knows how), then hang
       *  up the channel, then fail; a command that went away meanwhile changes nothing */
      const abandon = (e: TransportError) =>
        finish(() => {
          channel?.pause();
          channel?.stderr.pause();
          void (opts.abandon?.() ?? Promise.resolve())
            .catch(() => undefined)
            .then(() => {
              // best effort: sshd may ignore the signal; closing the channel hangs up the command
              try {
                channel?.signal('KILL');
                channel?.close();
              } catch {}
              reject(e);
            });
        });
      const onClose = () => {
        const why = live.lastError ? `: ${live.lastError.message}` : '';
        finish(() => reject(new TransportError('closed', `${this.target}: connection lost while running a command${why}`)));
      };
      client.once('close', onClose);
      const timer = setTimeout(() => abandon(new TransportError('timeout', `${this.target}: command timed out after ${secs(timeoutMs)}`)), timeoutMs);
      const onChannel = (err: Error | undefined, stream: ClientChannel) => {
        if (err) return finish(() => reject(new NoChannel(`${this.target}: cannot open a session channel: ${err.message}`)));
        channel = stream;
        if (done) return void stream.close(); // timed out while the channel was opening
        const out: Buffer[] = [];
        const errs: Buffer[] = [];
        let size = 0;
        let code: number | null = null;
        let signal: string | undefined;
        const take = (into: Buffer[]) => (d: Buffer) => {
          if (done) return;
          size += d.length;
          // one host's output must not exhaust fleet's memory (or a string's maximum length)
          if (size > maxOutput) {
            out.length = errs.length = 0;
            return abandon(tooMuchOutput(this.target, maxOutput));
          }
          into.push(d);
        };
        stream.on('data', take(out));
        stream.stderr.on('data', take(errs));
        stream.on('exit', (c: number | null, s?: string) => {
          code = typeof c === 'number' ? c : null;
          signal = s ?? undefined;
        });
        stream.on('close', () => finish(() => resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errs).toString('utf8'), code, signal })));
        stream.end(opts.stdin ?? '');
      };
      try {
        client.exec(command, onChannel);
      } catch (e) {
        // ssh2 throws 'Not connected' synchronously when the socket is gone
        live.closed = true;
        finish(() => reject(new NoChannel(`${this.target}: cannot open a session channel: ${(e as Error).message}`)));
      }
    });
  }

  async close(): Promise<void> {
    const live = this.live ?? (await this.pending?.catch(() => undefined));
    this.live = undefined;
    if (!live || live.closed) return;
    await new Promise<void>((res) => {
      live.client.once('close', () => res());
      live.client.end();
      setTimeout(res, 1000).unref();
    });
    for (const j of live.jumps) j.end();
  }
}

/** Key exchange with any host key accepted, then no authentication at all: resolves the key. */
function captureHostKey(hop: Hop, sock: Duplex, algorithms: string[], timeoutMs: number, viaJump: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const heard = listen(sock);
    client.once('handshake', () => (heard.kex = true));
    let key: Buffer | undefined;
    let settled = false;
    const through = viaJump ? ' (through ProxyJump)' : '';
    const done = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      client.removeAllListeners('ready');
      client.on('error', () => {}); // late errors after we hung up
      client.end();
      sock.destroy();
      f();
    };
    const unreachable = (why: string, cause?: unknown) => done(() => reject(new TransportError('unreachable', `${hopName(hop)}${through}: ${why}`, { cause })));
    const guard = setTimeout(() => unreachable(heard.timedOut(secs(timeoutMs))), timeoutMs + 1000);
    client.once('ready', () => done(() => (key ? resolve(key) : reject(new TransportError('hostkey', `${hopName(hop)}: no host key seen`)))));
    client.on('error', (err: Error & { level?: string }) => {
      // authHandler said "nothing to try": by then the key exchange, signature included, is done
      if (err.level === 'client-authentication' && key) return done(() => resolve(key!));
      if (err.level === 'client-timeout') return unreachable(heard.timedOut(secs(timeoutMs)), err);
      if (err.level === 'protocol' && /^Connection lost/.test(err.message)) return unreachable(heard.closed([]), err);
      unreachable(`${err.message}${heard.sent()}`, err);
    });
    // a hang-up without an SSH error: the key is only good once the exchange completed
    client.once('close', () => (heard.kex && key ? done(() => resolve(key!)) : unreachable(heard.closed([]))));
    client.connect({
      sock: sock as ConnectConfig['sock'],
      username: hop.user,
      readyTimeout: timeoutMs,
      algorithms: { serverHostKey: algorithms as never },
      hostVerifier: (k: Buffer) => {
        key = Buffer.from(k);
        return true;
      },
      authHandler: (_left, _partial, next) => next(false as never),
    });
  });
}

/** What a host sent before the SSH handshake ended (its first bytes), to say why it failed. */
function listen(sock: Duplex) {
  let bytes = Buffer.alloc(0);
  const onData = (d: Buffer) => {
    bytes = Buffer.concat([bytes, d]).subarray(0, 512);
    if (bytes.length >= 512) sock.off('data', onData);
  };
  sock.on('data', onData);
  const text = () => bytes.toString('latin1');
  const ident = () => /(?:^|\n)(SSH-[^\r\n]*)/.exec(text())?.[1];
  const quoted = (line: string) => JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}...` : line);
  return {
    /** the key exchange completed */
    kex: false,
    stop: () => sock.off('data', onData),
    /** " (it sent ...)" when the host spoke but not SSH */
    sent: () => (bytes.length && !ident() ? ` (it sent ${quoted(text().split(/\r?\n/).find((l) => l.trim()) ?? text())} instead of an SSH banner)` : ''),
    /** why the handshake did not end within the connect timeout */
    timedOut(this: { kex: boolean; sent(): string }, within: string): string {
      if (this.kex) return `the key exchange completed, but authentication did not end within ${within}`;
      const id = ident();
      return `no SSH handshake within ${within}${id ? ` (its banner: ${quoted(id)})` : this.sent()}`;
    },
    /** why the handshake ended when the host hung up */
    closed(this: { kex: boolean; sent(): string }, tried: readonly string[]): string {
      if (this.kex) return `the host closed the connection after the key exchange, before authentication ended${tried.length ? ` (tried ${tried.join(', ')})` : ''}`;
      const id = ident();
      if (id) return `the host closed the connection during the key exchange (its banner: ${quoted(id)})`;
      return `the host closed the connection before sending an SSH banner${this.sent()}`;
    },
  };
}

/** No session channel could be opened: the command never started. */
class NoChannel extends Error {}

function tcp(hop: Hop, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = netConnect({ host: hop.host, port: hop.port });
    sock.setNoDelay(true);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new TransportError('unreachable', `${hopName(hop)}: TCP connect timed out after ${secs(timeoutMs)}`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(sock);
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = e.code === 'ENOTFOUND' ? 'host name not found (ENOTFOUND)' : (e.code ?? e.message);
      reject(new TransportError('unreachable', `${hopName(hop)}: ${why}`, { cause: e }));
    });
  });
}

function forward(via: SshClient, hop: Hop, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new TransportError('unreachable', `${hopName(hop)}: ProxyJump forward timed out after ${secs(timeoutMs)}`)), timeoutMs);
    via.forwardOut('127.0.0.1', 0, hop.host, hop.port, (err, stream) => {
      clearTimeout(timer);
      if (err) reject(new TransportError('unreachable', `${hopName(hop)}: the jump host could not connect to it: ${err.message}`, { cause: err }));
      else resolve(stream);
    });
  });
}
