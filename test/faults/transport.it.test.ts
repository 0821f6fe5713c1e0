// Broken and hostile hosts at the transport (issue 17.6), with the fleet CLI against real sshd lab
// hosts: hosts that are no working sshd (hang up at once, answer garbage, say nothing, drop the
// connection after the key exchange, never answer authentication) are unreachable with the
// reason while the others converge and the run ends with a recap; a host printing far more than
// its max_output fails alone, with no stack trace; login banners from ~/.bashrc or
// /etc/bash.bashrc (with or without a newline) change nothing; a command timeout leaves no process
// of the command on the host, as root or through sudo (use_pty). Hosts' state is read with docker
// exec, never through fleet's report.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { fleet } from '../support/cli.js';
import { startBadServer, type BadKind, type BadServer } from '../support/bad-servers.js';
import { readReport, sh, work } from './kit.js';

const BAD: BadKind[] = ['close', 'garbage', 'silent', 'kex-close', 'auth-hang'];

describe('broken and hostile hosts at the transport', () => {
  let lab: Lab;
  let a: LabHost;
  let b: LabHost;
  const bad = new Map<BadKind, BadServer>();

  /** an inventory of the lab hosts (host vars per name) and, if asked, the bad servers */
  function inventory(name: string, vars: Record<string, Record<string, unknown>> = {}, withBad = false): string {
    const hosts: Record<string, Record<string, unknown>> = {};
    for (const h of lab.hosts) hosts[h.name] = { ansible_host: h.ip, ...vars[h.name] };
    if (withBad) for (const [k, s] of bad) hosts[`bad-${k}`] = { ansible_host: '127.0.0.1', ansible_port: s.port, connect_timeout: 2 };
    const known = join(work, `${name}.known_hosts`);
    writeFileSync(known, [...bad.values()].flatMap((x) => (x.hostKeyPub ? [`[127.0.0.1]:${x.port} ${x.hostKeyPub}\n`] : [])).join(''));
    const file = join(work, `${name}.inventory.yaml`);
    writeFileSync(file, stringify({ all: { vars: { ansible_user: 'root', ansible_ssh_private_key_file: lab.keyPath, known_hosts_file: [lab.knownHostsPath, known] }, hosts } }));
    return file;
  }
  function playbook(name: string, tasks: unknown[]): string {
    const file = join(work, `${name}.yaml`);
    writeFileSync(file, stringify([{ name, hosts: 'all', tasks }]));
    return file;
  }
  const apply = (name: string, pb: string, inv: string, extra: string[] = []) => {
    const json = join(work, `${name}.json`);
    return fleet(['apply', pb, '-i', inv, '--yes', '--json', json, ...extra]).then((r) => ({ ...r, report: () => readReport(json) }));
  };
  const host = (r: { report: () => ReturnType<typeof readReport> }, name: string) => r.report().hosts.find((x) => x.host === name)!;
  const noStack = (r: { stdout: string; stderr: string }) => expect(r.stdout + r.stderr, 'no stack trace').not.toMatch(/\n\s+at .*\(?(node:|file:|\/)/);

  beforeAll(async () => {
    lab = await startLab({ name: 'transport', hosts: 2, kind: 'light' });
    [a, b] = lab.hosts as [LabHost, LabHost];
    for (const k of BAD) bad.set(k, await startBadServer(k));
  });
  afterAll(async () => {
    for (const s of bad.values()) await s.stop();
    await lab?.stop();
  });

  const fileTask = { name: 'a file', copy: { dest: '/root/fleet-transport.conf', content: '{{ ver }}\n' } };

  it('hosts that are no working sshd are unreachable with the reason; the others converge; recap; exit 3, or 2 when another host failed', async () => {
    const inv = inventory('bad', {}, true);
    const pb = playbook('bad', [fileTask]);
    const t0 = Date.now();
    const r = await apply('bad', pb, inv, ['-e', 'ver=1']);
    expect(Date.now() - t0, 'within the connect timeout (2 s), not hung').toBeLessThan(20_000);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(/RECAP \(apply/);
    noStack(r);
    const why: Record<string, RegExp> = {
      close: /closed the connection before sending an SSH banner/,
      garbage: /closed the connection before sending an SSH banner \(it sent "HTTP\/1\.1 400 Bad Request" instead of an SSH banner\)/,
      silent: /no SSH handshake within 2 s/,
      'kex-close': /closed the connection after the key exchange, before authentication ended/,
      'auth-hang': /the key exchange completed, but authentication did not end within 2 s/,
    };
    for (const k of BAD) {
      expect(host(r, `bad-${k}`).status, k).toBe('unreachable');
      expect(host(r, `bad-${k}`).error, k).toMatch(why[k]!);
      expect(r.stdout, `${k} in the recap`).toMatch(new RegExp(`bad-${k}\\s+ok=0.*unreachable=1`));
      expect(bad.get(k)!.connections, `${k} was tried`).toBeGreaterThan(0);
    }
    for (const h of lab.hosts) {
      expect(host(r, h.name).status).toBe('changed');
      expect(await sh(h, 'cat /root/fleet-transport.conf')).toBe('1\n');
    }
    // a dry run ends the same way
    const check = await fleet(['apply', pb, '-i', inv, '--check', '-e', 'ver=2']);
    expect(check.code, check.stdout + check.stderr).toBe(3);
    expect(check.stdout).toMatch(/RECAP \(check/);
    // another host failing as well: exit 2, still with a recap
    await b.exec('rm -f /root/fleet-transport.conf && mkdir /root/fleet-transport.conf');
    try {
      const r2 = await apply('bad2', pb, inv, ['-e', 'ver=3']);
      expect(r2.code, r2.stdout + r2.stderr).toBe(2);
      expect(r2.stdout).toMatch(/RECAP \(apply/);
      expect(host(r2, b.name).status).toBe('failed');
      expect(host(r2, a.name).status).toBe('changed');
      for (const k of BAD) expect(host(r2, `bad-${k}`).status).toBe('unreachable');
    } finally {
      await b.exec('rmdir /root/fleet-transport.conf');
    }
  });

  it('a run whose only host drops the connection after the key exchange ends with a recap and exit 3 (not 13)', async () => {
    const kex = bad.get('kex-close')!;
    const known = join(work, 'only.known_hosts');
    writeFileSync(known, `[127.0.0.1]:${kex.port} ${kex.hostKeyPub}\n`);
    const inv = join(work, 'only.inventory.yaml');
    writeFileSync(inv, stringify({ all: { vars: { ansible_user: 'root', ansible_ssh_private_key_file: lab.keyPath, known_hosts_file: known }, hosts: { only: { ansible_host: '127.0.0.1', ansible_port: kex.port } } } }));
    const r = await apply('only', playbook('only', [fileTask]), inv, ['-e', 'ver=1']);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    // nothing to apply: the dry run's recap is the last word
    expect(r.stdout).toMatch(/RECAP \(check[\s\S]*only\s+ok=0.*unreachable=1.*\n\s+root@127\.0\.0\.1:\d+: the host closed the connection after the key exchange/);
    noStack(r);
  });

  it('a host printing ~200 MB over its max_output fails alone with the limit, no stack trace, and the command is gone', async () => {
    const inv = inventory('loud', { [a.name]: { max_output: 1, bytes: 200_000_000 }, [b.name]: { bytes: 1000 } });
    const pb = playbook('loud', [{ name: 'loud', shell: 'yes fleet-output | head -c {{ bytes }}; echo; echo printed' }, { name: 'after', copy: { dest: '/root/fleet-after', content: 'after\n' } }]);
    const t0 = Date.now();
    const r = await apply('loud', pb, inv);
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    noStack(r);
    expect(r.stdout).toMatch(/RECAP \(apply/);
    const ha = host(r, a.name);
    expect(ha.status).toBe('failed');
    expect(ha.error).toMatch(/printed more than 1 MiB \(the host's max_output\).*while applying 'loud'/);
    expect(host(r, b.name).status).toBe('changed');
    expect(await sh(b, 'cat /root/fleet-after')).toBe('after\n');
    expect(await sh(a, 'cat /root/fleet-after 2>/dev/null || echo absent')).toBe('absent\n');
    expect(await sh(a, 'pgrep -x yes; pgrep -x head; echo end')).toBe('end\n');
    // below the limit, the same host is fine
    const quiet = await apply('loud-ok', pb, inventory('loud-ok', { [a.name]: { max_output: 1, bytes: 500_000 }, [b.name]: { bytes: 1000 } }));
    expect(quiet.code, quiet.stdout + quiet.stderr).toBe(0);
  });

  it('login banners (~/.bashrc without a newline, /etc/bash.bashrc with one) do not disturb check or apply; a second apply changes nothing', async () => {
    // root's login shell is bash, which sshd's non-interactive sessions run ~/.bashrc and
    // /etc/bash.bashrc in (Debian's bash): what they print lands on the command's stdout
    await a.exec(`sed -i '1i printf "Welcome to ${a.name}, no newline"' /root/.bashrc`);
    await b.exec(`sed -i '1i echo "Authorized use only"; printf "and a second line"' /etc/bash.bashrc && sed -i '1i echo "Hello from root bashrc"' /root/.bashrc`);
    try {
      const inv = inventory('banner');
      const pb = playbook('banner', [
        { name: 'dir', file: { path: '/srv/banner', state: 'directory', mode: '0755' } },
        { name: 'conf', copy: { dest: '/srv/banner/a.conf', content: 'a = 1\n' } },
        { name: 'line', lineinfile: { path: '/srv/banner/b.conf', line: 'b = 2', create: true } },
        { name: 'mode', file: { path: '/srv/banner/a.conf', mode: '0640' } },
      ]);
      const check = await fleet(['apply', pb, '-i', inv, '--check']);
      expect(check.code, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).not.toMatch(/no output|gathering facts failed/);
      const r = await apply('banner', pb, inv);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      for (const h of [a, b]) {
        expect(host(r, h.name).status).toBe('changed');
        expect(await sh(h, 'cat /srv/banner/a.conf; cat /srv/banner/b.conf; stat -c %a /srv/banner/a.conf')).toBe('a = 1\nb = 2\n640\n');
      }
      const again = await apply('banner-again', pb, inv);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(again.report().hosts.flatMap((x) => x.tasks.filter((t) => t.status !== 'ok').map((t) => `${x.host}: ${t.task} ${t.status}`))).toEqual([]);
      // rollback reads the script's own output too: it restores what the first apply did
      const back = await fleet(['rollback', r.report().runId, '-i', inv, '--yes']);
      expect(back.code, back.stdout + back.stderr).toBe(0);
      for (const h of [a, b]) {
        expect(back.stdout).toMatch(new RegExp(`^${h.name}: restored [1-9]\\d* \\(.*/srv/banner/a\\.conf`, 'm'));
        expect(await sh(h, 'ls /srv/banner 2>/dev/null; echo end')).toBe('end\n');
      }
      // the banners really are printed on a command's stdout (OpenSSH's client, not fleet)
      const ssh = (h: LabHost) => execFileSync('ssh', ['-i', lab.keyPath, '-o', `UserKnownHostsFile=${lab.knownHostsPath}`, '-o', 'BatchMode=yes', `root@${h.ip}`, 'echo command'], { encoding: 'utf8' });
      expect(ssh(a)).toBe(`Welcome to ${a.name}, no newlinecommand\n`);
      expect(ssh(b)).toBe('Authorized use only\nand a second lineHello from root bashrc\ncommand\n');
    } finally {
      await a.exec(`sed -i '1d' /root/.bashrc`);
      await b.exec(`sed -i '1d' /etc/bash.bashrc && sed -i '1d' /root/.bashrc`);
    }
  });

  it('a local user who copies the kill tag from ps into a process of a session it shares with root cannot make fleet kill that session', async () => {
    // a full host: its root has CAP_SYS_PTRACE, as on a real machine, so it can read every
    // process's environment (a light host's root only reads root's)
    const full = await startLab({ name: 'transport-full', hosts: [{ kind: 'full' }] });
    try {
      const h = full.hosts[0]!;
      await h.exec('useradd -m -s /bin/bash ops && echo "ops ALL=(ALL) NOPASSWD: ALL" > /etc/sudoers.d/ops && mkdir -p -m 700 /home/ops/.ssh && cp /root/.ssh/authorized_keys /home/ops/.ssh/ && chown -R ops /home/ops/.ssh');
      expect(await sh(h, 'grep -h use_pty /etc/sudoers /etc/sudoers.d/* || true')).toMatch(/Defaults\s+use_pty/);
      // a session like a service's: a root process (the victim) and, as nobody, a watcher that
      // starts a process carrying every FLEET_EXEC=... it sees in ps (sudo's argv shows it)
      const watcher = `while :; do for t in $(ps -eo args | grep -o "FLEET_EXEC=[0-9a-f]*" | sort -u); do [ -e /tmp/seen.$t ] || { : > /tmp/seen.$t; env $t sleep 7002 & }; done; sleep 0.1; done`;
      const sid = (await sh(h, `setsid sh -c 'sleep 7001 & exec setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c ${JSON.stringify(watcher).replace(/\$/g, '\\$')}' </dev/null >/dev/null 2>&1 & echo $!`)).trim();
      expect(sid).toMatch(/^\d+$/);
      const inv = join(work, 'attacker.inventory.yaml');
      writeFileSync(inv, stringify({ all: { vars: { ansible_user: 'ops', ansible_become: true, ansible_ssh_private_key_file: full.keyPath, known_hosts_file: full.knownHostsPath, command_timeout: 3 }, hosts: { [h.name]: { ansible_host: h.ip } } } }));
      const r = await apply('attacker', playbook('attacker', [{ name: 'nap', shell: 'sleep 600' }]), inv);
      expect(r.code, r.stdout + r.stderr).toBe(3);
      expect(host(r, h.name).error).toMatch(/command timed out after 3 s/);
      expect(await sh(h, 'pgrep -fx "sleep 7001" >/dev/null && echo alive')).toBe('alive\n');
      // the attack ran: a process of nobody's carries the tag of the timed-out command
      expect(await sh(h, 'for p in $(pgrep -u nobody -x sleep); do tr "\\0" "\\n" < /proc/$p/environ; done | grep -c "^FLEET_EXEC=[0-9a-f]"')).not.toBe('0\n');
      expect(await sh(h, 'pgrep -fx "sleep 600" || echo none')).toBe('none\n');
    } finally {
      await full.stop();
    }
  });

  for (const via of ['root', 'sudo'] as const) {
    it(`a command timeout leaves no process of the command on the host (${via === 'root' ? 'as root' : 'through sudo with use_pty'})`, async () => {
      let vars: Record<string, unknown> = { command_timeout: 3, nap: 600 };
      if (via === 'sudo') {
        await a.exec(
          'id ops >/dev/null 2>&1 || { useradd -m -s /bin/bash ops && echo "ops ALL=(ALL) NOPASSWD: ALL" > /etc/sudoers.d/ops && mkdir -p -m 700 /home/ops/.ssh && cp /root/.ssh/authorized_keys /home/ops/.ssh/ && chown -R ops /home/ops/.ssh; }',
        );
        expect(await sh(a, 'grep -h use_pty /etc/sudoers /etc/sudoers.d/* || true')).toMatch(/Defaults\s+use_pty/);
        vars = { ...vars, ansible_user: 'ops', ansible_become: true };
      }
      const inv = inventory(`timeout-${via}`, { [a.name]: vars, [b.name]: { nap: 0 } });
      // a plain child, and one that `timeout` puts in a process group of its own
      const pb = playbook(`timeout-${via}`, [{ name: 'nap', shell: 'sleep {{ nap }} & timeout 3600 sleep {{ nap }}; wait' }, fileTask]);
      const t0 = Date.now();
      const r = await apply(`timeout-${via}`, pb, inv, ['-e', 'ver=7']);
      expect(Date.now() - t0).toBeLessThan(60_000);
      expect(r.code, r.stdout + r.stderr).toBe(3);
      expect(r.stdout).toMatch(/RECAP \(apply/);
      expect(host(r, a.name).error).toMatch(/command timed out after 3 s.*while applying 'nap'/);
      expect(host(r, b.name).status).toBe('changed');
      expect(await sh(b, 'cat /root/fleet-transport.conf')).toBe('7\n');
      expect(await sh(a, 'ps -eo pid,pgid,sid,user,args | grep -E "[s]leep|[t]imeout" || echo none')).toBe('none\n');
    });
  }
});
