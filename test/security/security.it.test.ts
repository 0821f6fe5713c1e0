// issue 17 on a real sshd host, with a real unprivileged local user (mallory) as the attacker:
// a templated path with a newline is refused before anything runs; rollback acts only on manifest
// entries fleet can have written and never follows a link mallory owns; a shell task's secret never
// shows in the process list; two runs on one host never interleave their applies; the kernel_log
// probe puts nothing in /tmp.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { fleet, FLEET_BIN, type CliResult } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-sec-'));
const pb = (name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};
const runIdOf = (r: CliResult) => /run (\S+): details/.exec(r.stdout + r.stderr)?.[1];

describe('security (issue 17) on a real host', () => {
  let lab: Lab;
  let h: LabHost;
  const sh = async (cmd: string) => (await h.exec(cmd)).stdout;
  const apply = (playbook: string, env: NodeJS.ProcessEnv = {}) => fleet(['apply', playbook, '-i', lab.inventoryPath, '--yes'], { cwd: dir, env });

  beforeAll(async () => {
    lab = await startLab({ name: 'security', hosts: [{ kind: 'light', name: 'h1' }] });
    h = lab.hosts[0]!;
    await sh('useradd -m mallory && mkdir -p /srv/fleet-sec && echo old > /srv/fleet-sec/old.conf');
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('a templated path with a newline fails before any connection, located; nothing is written', async () => {
    const before = await sh('ls /var/lib/fleet/runs 2>/dev/null | wc -l');
    const file = pb('newline.yaml', `- hosts: all
  vars:
    where: "/srv/fleet-sec/x\\ncreated /home/mallory/canary"
  tasks:
    - name: inject
      copy: { dest: "{{ where }}", content: "x\\n" }
`);
    const r = await apply(file);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/newline\.yaml:5:7: copy: argument 'dest' must not contain control characters/);
    expect(await sh('ls -A /srv/fleet-sec; ls /var/lib/fleet/runs 2>/dev/null | wc -l')).toBe(`old.conf\n${before}`);
  });

  it('rollback refuses manifest lines fleet cannot have written and paths under a link mallory owns; the canaries stay', async () => {
    await sh(`runuser -u mallory -- sh -c 'echo mine > /home/mallory/canary; mkdir /home/mallory/app'
      mkdir -p /etc/fleet-victim && echo victim > /etc/fleet-victim/fleet.conf`);
    const file = pb('rb.yaml', `- hosts: all
  tasks:
    - name: new file
      copy: { dest: /srv/fleet-sec/app.conf, content: "new\\n" }
    - name: replaced file
      copy: { dest: /srv/fleet-sec/old.conf, content: "replaced\\n" }
    - name: a file in mallory's directory
      copy: { dest: /home/mallory/app/fleet.conf, content: "fleet\\n" }
`);
    const r = await apply(file);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const id = runIdOf(r)!;
    const m = `/var/lib/fleet/runs/${id}/manifest`;
    expect(await sh(`cat ${m}`)).toBe('v2 created /srv/fleet-sec/app.conf\nv2 file /srv/fleet-sec/old.conf\nv2 created /home/mallory/app/fleet.conf\n');
    // corrupted by hand (root): the forms an injection or a damaged file would take
    await sh(`printf '%s\\n' 'created /home/mallory/canary' 'v2 created /home/mallory/canary%0A' 'v2 created /home/mallory/app/../canary' 'v2 file /home/mallory/canary' 'v2 created home/mallory/canary' >> ${m}`);
    // mallory swaps her directory for a link to a root directory
    await sh(`runuser -u mallory -- sh -c 'mv /home/mallory/app /home/mallory/app.old && ln -s /etc/fleet-victim /home/mallory/app'`);
    const rb = await fleet(['rollback', id, '--yes'], { cwd: dir });
    const out = rb.stdout + rb.stderr;
    expect(out).toContain('h1: restored 2 (file /srv/fleet-sec/old.conf; absence of /srv/fleet-sec/app.conf)');
    expect(await sh('cat /home/mallory/canary /etc/fleet-victim/fleet.conf /srv/fleet-sec/old.conf; ls /srv/fleet-sec')).toBe('mine\nvictim\nold\nold.conf\n');
    expect(out).toMatch(/\/home\/mallory\/app is a symlink owned by another user/);
    expect(out.match(/refused/g)?.length ?? 0).toBeGreaterThanOrEqual(4);
    expect(out).toMatch(/this run kept no copy of it/);
  });

  it("a shell task's secret (and its unless probe's) never shows in the host's process list", async () => {
    const secret = `S3cr3t-${Date.now().toString(36)}`;
    // (echo and test are shell builtins: a program given the secret as an argument, as grep would be,
    // shows it in its own argv, which no tool can hide)
    // mallory reads every process's argv, as ps and /proc/*/cmdline show it, until told to stop
    await sh(`rm -f /tmp/mallory-stop; setsid runuser -u mallory -- sh -c 'while [ ! -e /tmp/mallory-stop ]; do ps -eo args; cat /proc/[0-9]*/cmdline | tr "\\\\000" " "; echo; sleep 0.02; done > /tmp/mallory-seen 2>/dev/null' </dev/null >/dev/null 2>&1 &`);
    const file = pb('secret.yaml', `- hosts: all
  vars:
    api_secret: ${secret}
  tasks:
    - name: uses a secret
      shell:
        cmd: "sleep 2; echo {{ api_secret }} > /root/secret.out"
        unless: 'sleep 1; test "$(cat /root/secret.out 2>/dev/null)" = {{ api_secret }}'
`);
    const r = await apply(file);
    await sh('touch /tmp/mallory-stop; sleep 0.3');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await apply(file).then((again) => again.stdout)).toMatch(/ok=1 +changed=0/);
    expect(await sh('cat /root/secret.out')).toBe(`${secret}\n`);
    const seen = await sh('cat /tmp/mallory-seen');
    // mallory was watching while both ran...
    expect(seen).toMatch(/sleep 2/);
    expect(seen).toMatch(/sleep 1/);
    // ...and never saw the secret
    expect(seen).not.toContain(secret);
  });

  it('a second run waits for the first one\'s apply, and fails that host naming it once the wait is over; no change is lost', async () => {
    const slow = pb('slow.yaml', `- hosts: all
  tasks:
    - name: slow
      shell: "sleep 8"
    - name: a
      copy: { dest: /srv/fleet-sec/a.conf, content: "{{ v }}\\n" }
`);
    const quick = pb('quick.yaml', `- hosts: all
  tasks:
    - name: b
      copy: { dest: /srv/fleet-sec/b.conf, content: "{{ v }}\\n" }
`);
    const start = (file: string, v: string) =>
      new Promise<CliResult>((resolve) => {
        const c = spawn(process.execPath, [FLEET_BIN, 'apply', file, '-i', lab.inventoryPath, '--yes', '-e', `v=${v}`], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
        let stdout = '';
        let stderr = '';
        c.stdout.on('data', (d) => (stdout += d));
        c.stderr.on('data', (d) => (stderr += d));
        c.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      });
    const applying = async () => {
      for (let i = 0; i < 200 && !(await sh('ps -eo args')).includes('sleep 8'); i++) await new Promise((r) => setTimeout(r, 50));
    };

    const first = start(slow, '1');
    await applying();
    // check mode takes no lock: it answers while the apply runs
    const checked = await fleet(['apply', quick, '-i', lab.inventoryPath, '--check', '-e', 'v=1'], { cwd: dir, env: { FLEET_LOCK_WAIT: '0' } });
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(/would change/);
    const refused = await fleet(['apply', quick, '-i', lab.inventoryPath, '--yes', '-e', 'v=1'], { cwd: dir, env: { FLEET_LOCK_WAIT: '1' } });
    const a = await first;
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(refused.code, refused.stdout + refused.stderr).toBe(2);
    expect(refused.stdout + refused.stderr).toContain(`another fleet run is changing this host: run ${runIdOf(a)} from ${hostname()} (pid `);
    expect(await sh('cat /srv/fleet-sec/a.conf; test -e /srv/fleet-sec/b.conf || echo no b')).toBe('1\nno b\n');

    const second = start(slow, '2');
    await applying();
    const waited = await fleet(['apply', quick, '-i', lab.inventoryPath, '--yes', '-e', 'v=2'], { cwd: dir });
    const a2 = await second;
    expect(a2.code, a2.stdout + a2.stderr).toBe(0);
    expect(waited.code, waited.stdout + waited.stderr).toBe(0);
    expect(await sh('cat /srv/fleet-sec/a.conf /srv/fleet-sec/b.conf')).toBe('2\n2\n');
    // the lock is free again: nothing holds it once the runs are over
    // (its holder looks for its script's shell once a second)
    expect(await sh('flock -w 3 /var/lib/fleet/lock true && echo free')).toBe('free\n');
  });

  it('the kernel_log probe creates nothing in /tmp', async () => {
    // a dmesg that lists /tmp while the probe runs it (the old probe had two files there then)
    await sh(`real=$(command -v dmesg); printf '#!/bin/sh\\nls -A /tmp > /root/tmp-during\\nexec %s "$@"\\n' "$real" > /usr/local/bin/dmesg; chmod 755 /usr/local/bin/dmesg; rm -f /root/tmp-during; ls -A /tmp > /root/tmp-before`);
    const file = pb('klog.yaml', `- hosts: all
  tasks:
    - name: kernel log
      kernel_log: {}
`);
    const r = await fleet(['apply', file, '-i', lab.inventoryPath, '--check'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await sh('test -e /root/tmp-during && echo ran')).toBe('ran\n');
    expect(await sh('cat /root/tmp-during')).toBe(await sh('cat /root/tmp-before'));
    expect(await sh('ls -A /tmp')).toBe(await sh('cat /root/tmp-before'));
  });
});
