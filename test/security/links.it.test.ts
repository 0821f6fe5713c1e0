// issue 17, links, temp files and compare-before-replace, on real lab hosts with a real
// unprivileged local user (mallory) as the attacker. One host has perl (the writer, the perl
// file probe), one has none (every probe and write takes the shell path). mallory plants symlinks
// at paths fleet manages in a directory of hers (to /etc/shadow and to a root canary) and a
// symlinked directory (to /etc); polls for the temp file of a 0600 secret while fleet writes it;
// and a task changes a file after it was planned, before fleet writes it. Checked on the hosts
// without fleet: the targets byte for byte with owner and mode, what mallory could read, the
// file that changed underneath.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { run, task, type HostReport } from '../support/remediation.js';

const MARK = `SECRET-${randomBytes(6).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'fleet-links-'));
const SECRET_FILE = join(dir, 'secret.txt');
const PLAYBOOK = join(dir, 'links.yaml');

// the targets mallory wants: nothing fleet does may change them (content, owner, mode, inode)
const TARGETS = '/etc/shadow /etc/passwd /root/canary /root/canary.json';
const snapshot = async (h: LabHost) => (await h.exec(`for f in ${TARGETS}; do stat -c '%n %u:%g %a %i %s' "$f"; sha256sum "$f"; done; ls -a /etc | sha256sum`)).stdout;

const SETUP = `set -e
useradd -m -u 1000 mallory
printf 'canary\\n' > /root/canary && chmod 600 /root/canary
printf '{"a": 1}\\n' > /root/canary.json && chmod 600 /root/canary.json
mkdir -p /srv/app && chmod 755 /srv/app
printf 'planned on\\n' > /srv/app/cbr.conf
runuser -u mallory -- sh -c 'printf "hers\\n" > /home/mallory/swap.conf; printf "hers\\n" > /home/mallory/swap2.conf'
printf 'real\\n' > /srv/app/real.conf && ln -s /srv/app/real.conf /srv/app/current
runuser -u mallory -- sh -c '
  cd /home/mallory
  ln -s /etc/shadow app.conf
  ln -s /root/canary canary-link
  ln -s /root/canary.json app.json
  ln -s /etc conf
  ln -s /srv/app/real.conf mine'
# mallory watches /srv/app for fleet's temp files and reads whatever she can of them
cat > /home/mallory/poll.sh <<'EOF'
while [ ! -e /tmp/stop ]; do
  for f in /srv/app/.*.fleet-*; do
    [ -e "$f" ] || continue
    echo "$f" >> /tmp/names
    cat "$f" 2>/dev/null | grep -q ${MARK} && echo "$f" >> /tmp/leak
  done
done
echo done > /tmp/stopped
EOF
chmod 755 /home/mallory/poll.sh
`;

const tasks = (prefix: string) => `
    - name: copy onto a planted link
      copy: { dest: /home/mallory/app.conf, content: "managed\\n", mode: "0644", owner: mallory }
      ignore_errors: true
    - name: copy through a symlinked directory
      copy: { dest: /home/mallory/conf/cron.evil, content: "* * * * * root id\\n" }
      ignore_errors: true
    - name: chmod through a symlinked directory
      file: { path: /home/mallory/conf/shadow, mode: "0644" }
      ignore_errors: true
    - name: chown and chmod a planted link
      file: { path: /home/mallory/canary-link, mode: "0666", owner: mallory }
      ignore_errors: true
    - name: lineinfile onto a planted link
      lineinfile: { path: /home/mallory/app.conf, line: "mallory::0:0::/:/bin/sh" }
      ignore_errors: true
    - name: blockinfile through a symlinked directory
      blockinfile: { path: /home/mallory/conf/passwd, block: "mallory::0:0::/:/bin/sh" }
      ignore_errors: true
    - name: json_file onto a planted link
      json_file: { path: /home/mallory/app.json, set: { b: 2 } }
      ignore_errors: true
    - name: follow a link another user owns
      copy: { dest: /home/mallory/mine, content: "x\\n", follow: true }
      ignore_errors: true
    - name: follow a root link
      copy: { dest: /srv/app/current, content: "followed\\n", follow: true }
    - name: secret through ${prefix}
      copy: { dest: /srv/app/secret.conf, src: ${SECRET_FILE}, mode: "0600" }
    - name: secret through the shell path (validate)
      copy: { dest: /srv/app/secret2.conf, src: ${SECRET_FILE}, mode: "0600", validate: "test -s %s" }
    - name: someone changes the file after it was planned
      shell: "echo 'their change' >> /srv/app/cbr.conf"
    - name: write the file planned on its old content
      copy: { dest: /srv/app/cbr.conf, content: "fleet's\\n" }
      ignore_errors: true
    - name: mallory swaps her files for links once fleet has planned
      shell: "runuser -u mallory -- sh -c 'cd /home/mallory && ln -sf /etc/shadow swap.conf && ln -sf /etc/passwd swap2.conf'"
    - name: write a file swapped for a link since the plan
      copy: { dest: /home/mallory/swap.conf, content: "managed\\n", owner: mallory }
      ignore_errors: true
    - name: chmod a file swapped for a link since the plan
      file: { path: /home/mallory/swap2.conf, mode: "0666" }
      ignore_errors: true
`;

const REFUSED: Record<string, RegExp> = {
  'copy onto a planted link': /app\.conf is a symlink to \/etc\/shadow: fleet does not write through a link/,
  'copy through a symlinked directory': /fleet does not go through \/home\/mallory\/conf is a symlink owned by uid 1000/,
  'chmod through a symlinked directory': /fleet does not go through \/home\/mallory\/conf/,
  'chown and chmod a planted link': /canary-link is a symlink/,
  'lineinfile onto a planted link': /app\.conf is a symlink/,
  'blockinfile through a symlinked directory': /fleet does not go through \/home\/mallory\/conf/,
  'json_file onto a planted link': /app\.json is a symlink/,
  'follow a link another user owns': /fleet does not go through \/home\/mallory\/mine is a symlink owned by uid 1000/,
};

describe('links, temp files and compare-before-replace against a local attacker', () => {
  let lab: Lab;
  let hosts: LabHost[];
  const before = new Map<string, string>();

  beforeAll(async () => {
    // 6 MB of secret: the write takes long enough for mallory's poll to see the temp file
    writeFileSync(SECRET_FILE, `${MARK}\n${randomBytes(3 * 1024 * 1024).toString('hex')}\n`);
    writeFileSync(PLAYBOOK, `- name: perl host\n  hosts: p\n  tasks:${tasks('the writer')}\n- name: host without perl\n  hosts: n\n  tasks:${tasks('the shell (no perl)')}`);
    lab = await startLab({ name: 'links', hosts: [{ kind: 'light', name: 'p' }, { kind: 'light', name: 'n' }] });
    hosts = lab.hosts;
    for (const h of hosts) {
      const s = await h.exec(`${SETUP}${h.name === 'n' ? 'mv /usr/bin/perl /usr/bin/perl.off\n' : ''}`);
      expect(s.code, s.stderr).toBe(0);
      before.set(h.name, await snapshot(h));
    }
  });
  afterAll(async () => {
    await lab?.stop();
  });

  const reasons = (r: { hosts: HostReport[] }, host: string) => Object.fromEntries(Object.keys(REFUSED).map((t) => [t, task(r.hosts, host, t)]));

  it('check mode refuses every planted link and shows nothing of a target; nothing changes', async () => {
    const check = await run(PLAYBOOK, lab.inventoryPath, ['--check', '--diff']);
    for (const h of hosts) {
      for (const [name, t] of Object.entries(reasons(check, h.name))) {
        expect(t.status, `${h.name} ${name}`).toBe('failed');
        expect(t.reason, `${h.name} ${name}`).toMatch(REFUSED[name]!);
      }
      expect(task(check.hosts, h.name, 'follow a root link').changes[0]!.summary).toBe('update /srv/app/real.conf (through the symlink /srv/app/current)');
      expect(await snapshot(h)).toBe(before.get(h.name));
    }
    // the shadow file's lines never reach the output
    expect(check.out).not.toMatch(/^[-+ ]?root:[^:]*:\d+:/m);
    expect(JSON.stringify(check.hosts)).not.toMatch(/root:[^:]*:\d+:/);
  });

  it('apply refuses the same, leaves every target byte for byte with its owner and mode, and never lets mallory read the secret', async () => {
    for (const h of hosts) {
      const p = await h.exec('rm -f /tmp/stop /tmp/names /tmp/leak /tmp/stopped; setsid -f runuser -u mallory -- sh /home/mallory/poll.sh </dev/null >/dev/null 2>&1');
      expect(p.code, p.stderr).toBe(0);
    }
    const apply = await run(PLAYBOOK, lab.inventoryPath, ['--yes']);
    for (const h of hosts) {
      expect((await h.exec('touch /tmp/stop; for i in $(seq 50); do [ -e /tmp/stopped ] && break; sleep 0.1; done; cat /tmp/stopped')).stdout).toBe('done\n');
      for (const [name, t] of Object.entries(reasons(apply, h.name))) {
        expect(t.status, `${h.name} ${name}: ${apply.out}`).toBe('failed');
        expect(t.reason, `${h.name} ${name}`).toMatch(REFUSED[name]!);
      }
      expect(await snapshot(h)).toBe(before.get(h.name));
      expect((await h.exec('stat -c "%U %N" /home/mallory/swap.conf /home/mallory/swap2.conf')).stdout).toBe("mallory '/home/mallory/swap.conf' -> '/etc/shadow'\nmallory '/home/mallory/swap2.conf' -> '/etc/passwd'\n");
      // the links are still mallory's links, untouched
      expect((await h.exec('cd /home/mallory && stat -c "%n %U %N" app.conf canary-link app.json conf mine')).stdout).toBe(
        "app.conf mallory 'app.conf' -> '/etc/shadow'\ncanary-link mallory 'canary-link' -> '/root/canary'\napp.json mallory 'app.json' -> '/root/canary.json'\nconf mallory 'conf' -> '/etc'\nmine mallory 'mine' -> '/srv/app/real.conf'\n",
      );
      // followed where asked, through a link root owns: the target written, the link kept
      expect((await h.exec('cat /srv/app/real.conf; readlink /srv/app/current')).stdout).toBe('followed\n/srv/app/real.conf\n');
      // the secrets: written whole, 0600; mallory saw fleet's temp files, and read none of them
      expect((await h.exec('stat -c "%a %U" /srv/app/secret.conf /srv/app/secret2.conf; head -c 19 /srv/app/secret.conf; echo')).stdout).toBe(`600 root\n600 root\n${MARK}\n`);
      expect((await h.exec('cat /tmp/names')).stdout, `${h.name}: mallory's poll never saw a temp file, so this run proves nothing`).toMatch(/secret\.conf\.fleet-[0-9a-f]{16}/);
      expect((await h.exec('cat /tmp/leak 2>/dev/null')).stdout).toBe('');
      expect((await h.exec('ls -a /srv/app | grep fleet- || true')).stdout).toBe('');
      // compare-before-replace: the later write fails, the change made since the plan is kept
      const cbr = task(apply.hosts, h.name, 'write the file planned on its old content');
      expect(cbr.status).toBe('failed');
      expect(cbr.reason).toMatch(/\/srv\/app\/cbr\.conf changed underneath since it was planned/);
      expect((await h.exec('cat /srv/app/cbr.conf')).stdout).toBe('planned on\ntheir change\n');
      // swapped for a link between plan and write: the write fails (the writer: changed
      // underneath; the shell path: mallory's directory), the link's target is untouched (snapshot)
      for (const name of ['write a file swapped for a link since the plan', 'chmod a file swapped for a link since the plan']) {
        const t = task(apply.hosts, h.name, name);
        expect(t.status, `${h.name} ${name}`).toBe('failed');
        expect(t.reason, `${h.name} ${name}`).toMatch(h.name === 'p' ? /changed underneath|is a symlink/ : /not changing \/home\/mallory\/swap2?\.conf from the shell: \/home\/mallory belongs to uid 1000/);
      }
    }
  });
});
