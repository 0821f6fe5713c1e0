// Remote over the local transport (real processes on this machine): what a host's shell prints
// before the script is not the script's output, and a command fleet gives up on is killed with
// every process of its session, even those in a process group of their own, while a daemon it
// started (a session of its own) is left alone.
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Remote } from '../../src/engine/remote.js';
import { LocalTransport } from '../../src/transport/local.js';
import { TransportError, type ExecOptions, type ExecResult, type Transport } from '../../src/transport/transport.js';

/** pids of processes whose command line is exactly `cmd` */
const running = (cmd: string): number[] => {
  const out = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  return out.split('\n').flatMap((l) => {
    const m = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(l);
    return m && m[3] === cmd && !m[2]!.startsWith('Z') ? [Number(m[1])] : [];
  });
};

/** the local transport, as if the host's login shell printed `banner` before each command */
class Chatty implements Transport {
  readonly target = 'chatty';
  private readonly local = new LocalTransport();
  constructor(private readonly banner: string) {}
  get execCount() {
    return this.local.execCount;
  }
  async connect() {}
  async close() {}
  exec(command: string, opts?: ExecOptions): Promise<ExecResult> {
    return this.local.exec(`printf '%s' '${this.banner}'; ${command}`, opts);
  }
}

const leftovers: number[] = [];
afterEach(() => {
  for (const p of leftovers.splice(0)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {}
  }
});

describe('Remote', () => {
  for (const banner of ['Welcome to prod-17!', 'Welcome\nto prod-17!\n']) {
    it(`drops what the login shell printed before the script (${JSON.stringify(banner)})`, async () => {
      const r = await new Remote(new Chatty(banner), { enabled: false }).run('echo out; echo err >&2; exit 3');
      expect(r).toMatchObject({ stdout: 'out\n', stderr: 'err\n', code: 3 });
      const w = await new Remote(new Chatty(banner), { enabled: false }).run('echo "writer: ${FLEET_WQ:+yes}"', undefined, true);
      expect(w.stdout).toBe('writer: yes\n');
    });
  }

  it('the script and what it starts do not carry the tag; its own process does', async () => {
    const r = await new Remote(new LocalTransport(), { enabled: false }).run('echo "${FLEET_EXEC:-none}"; tr "\\0" "\\n" < /proc/$$/environ | grep -c "^FLEET_EXEC=[0-9a-f]*$"');
    expect(r.stdout).toBe('none\n1\n');
  });

  it('a timed-out command is killed with its whole session; a daemon it started lives on', async () => {
    const n = randomInt(100_000, 900_000);
    const [own, grouped, daemon] = [`sleep ${n}`, `sleep ${n + 1}`, `sleep ${n + 2}`];
    // `timeout` puts its child in a process group of its own; setsid makes a daemon-like process
    const script = `${own} & timeout 3600 ${grouped} & setsid ${daemon} </dev/null >/dev/null 2>&1 & wait`;
    const t0 = Date.now();
    const e = await new Remote(new LocalTransport(), { enabled: false }).run(script, 500).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportError);
    expect((e as TransportError).kind).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(8000);
    leftovers.push(...running(daemon));
    expect(running(own)).toEqual([]);
    expect(running(grouped)).toEqual([]);
    expect(running(daemon)).toHaveLength(1);
  });

  it('a command that ignores TERM is killed too', async () => {
    const n = randomInt(100_000, 900_000);
    const e = await new Remote(new LocalTransport(), { enabled: false }).run(`trap '' TERM; timeout -s KILL 3600 sh -c 'trap "" TERM; sleep ${n}' & wait`, 300).catch((x: unknown) => x);
    expect((e as TransportError).kind).toBe('timeout');
    expect(running(`sleep ${n}`)).toEqual([]);
  }, 15_000);

  it('printing more than max_output fails the command with the limit, and kills it', async () => {
    const n = randomInt(100_000, 900_000);
    const t = new LocalTransport(60_000, 1024 * 1024);
    const e = await new Remote(t, { enabled: false }).run(`sleep ${n} & yes fleet | head -c 200000000; wait`).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportError);
    expect((e as TransportError).kind).toBe('output');
    expect((e as Error).message).toBe('local: the command printed more than 1 MiB (the host\'s max_output); fleet stopped reading and ended the command');
    expect(running(`sleep ${n}`)).toEqual([]);
    expect((await new Remote(t, { enabled: false }).run('echo fine')).stdout).toBe('fine\n');
  });
});
