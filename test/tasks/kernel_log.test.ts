// kernel_log: unregister_netdevice and OOM lines found, a clean log ok, an unreadable log "could
// not check" (never ok); the probe parser.
import { describe, expect, it } from 'vitest';
import { isOk } from '../../src/types.js';
import { kernelLogTask } from '../../src/tasks/kernel_log.js';
import { kernelLogFact, parseKernelLog, type KernelLog } from '../../src/facts/kernel_log.js';
import { execSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const plan = (log: KernelLog) => {
  const p = kernelLogTask.plan({}, { log });
  if (!isOk(p)) throw new Error('planned a change');
  return p.checks!.map((c) => ({ id: c.id, status: c.status, evidence: c.evidence }));
};

describe('kernel_log', () => {
  it('finds both, with the count and the last lines', () => {
    const log = parseKernelLog(`source=dmesg\nlines=900\nnetdevice_count=2\nnetdevice=[ 10.1] unregister_netdevice: waiting for lo to become free. Usage count = 1\nnetdevice=[ 20.1] unregister_netdevice: waiting for lo to become free. Usage count = 1\noom_count=1\noom=[ 30.0] Memory cgroup out of memory: Killed process 4242 (dd)\n`);
    expect(plan(log)).toEqual([
      { id: 'kernel-unregister-netdevice', status: 'finding', evidence: ['2 times since boot (dmesg)', '[ 10.1] unregister_netdevice: waiting for lo to become free. Usage count = 1', '[ 20.1] unregister_netdevice: waiting for lo to become free. Usage count = 1'] },
      { id: 'kernel-oom-kill', status: 'finding', evidence: ['1 lines since boot (dmesg)', '[ 30.0] Memory cgroup out of memory: Killed process 4242 (dd)'] },
    ]);
  });
  it('a readable clean log is ok; an unreadable one could not be checked', () => {
    expect(plan(parseKernelLog('source=journalctl -k\nlines=12\nnetdevice_count=0\noom_count=0\n')).map((c) => c.status)).toEqual(['ok', 'ok']);
    const none = plan(parseKernelLog('err=dmesg: dmesg: read kernel buffer failed: Operation not permitted \nerr=journalctl -k: no kernel messages\n'));
    expect(none.map((c) => c.status)).toEqual(['could-not-check', 'could-not-check']);
    expect(none[0]!.evidence).toEqual(['the kernel log is not readable here: dmesg: dmesg: read kernel buffer failed: Operation not permitted; journalctl -k: no kernel messages']);
  });
});

describe('kernel_log probe (real /bin/sh, stand-in dmesg and journalctl)', () => {
  const run = (dmesg: string, journalctl?: string) => {
    const bin = mkdtempSync(join(tmpdir(), 'fleet-kl-'));
    writeFileSync(join(bin, 'dmesg'), `#!/bin/sh\n${dmesg}\n`, { mode: 0o755 });
    if (journalctl) writeFileSync(join(bin, 'journalctl'), `#!/bin/sh\n${journalctl}\n`, { mode: 0o755 });
    // only the stand-ins and the tools the probe needs (awk, head, tr)
    for (const t of ['awk', 'head', 'tr', 'cat']) symlinkSync(execSync(`command -v ${t}`, { encoding: 'utf8' }).trim(), join(bin, t));
    const r = spawnSync('/bin/sh', ['-c', `( ${kernelLogFact().probe.text}\n) 2>/dev/null`], { encoding: 'utf8', env: { PATH: bin } });
    rmSync(bin, { recursive: true, force: true });
    return parseKernelLog(r.stdout);
  };

  it('counts every line and keeps the last 50 matches of each kind, in order', () => {
    const log = run(`i=0; while [ $i -lt 60 ]; do echo "[ $i.0] unregister_netdevice: waiting for lo to become free"; echo "[ $i.5] Out of memory: Killed process $i (x)"; echo "[ $i.9] other"; i=$((i+1)); done`);
    expect(log).toMatchObject({ source: 'dmesg', lines: 180, netdeviceCount: 60, oomCount: 60, errors: [] });
    expect(log.netdevice).toHaveLength(50);
    expect(log.netdevice[0]).toBe('[ 10.0] unregister_netdevice: waiting for lo to become free');
    expect(log.oom[49]).toBe('[ 59.5] Out of memory: Killed process 59 (x)');
  });

  it('a last line without a newline still counts', () => {
    expect(run(`printf 'a\\nOut of memory: Killed process 1'`)).toMatchObject({ source: 'dmesg', lines: 2, oomCount: 1 });
  });

  it('a failing dmesg falls back to journalctl, with dmesg\'s error; output from a failing command is not trusted', () => {
    const log = run(`echo partial; echo 'dmesg: read kernel buffer failed: Operation not permitted' >&2; exit 1`, 'echo "[ 1.0] oom-kill:constraint=CONSTRAINT_MEMCG"');
    expect(log).toMatchObject({ source: 'journalctl -k', lines: 1, oomCount: 1, errors: ['dmesg: dmesg: read kernel buffer failed: Operation not permitted'] });
  });

  it('neither readable: no source, both reasons', () => {
    const log = run(`echo 'dmesg: denied' >&2; exit 1`, 'exit 0');
    expect(log.source).toBeUndefined();
    expect(log.errors).toEqual(['dmesg: dmesg: denied', 'journalctl -k: no kernel messages']);
  });

  it('writes nothing to a file: no temp file, no fixed name', () => {
    expect(kernelLogFact().probe.text).not.toMatch(/\/tmp|mktemp|\$\$|>\s*"?\$/);
  });
});
