// kernel_log: unregister_netdevice and OOM lines found, a clean log ok, an unreadable log "could
// not check" (never ok); the probe parser.
import { describe, expect, it } from 'vitest';
import { isOk } from '../../src/types.js';
import { kernelLogTask } from '../../src/tasks/kernel_log.js';
import { parseKernelLog, type KernelLog } from '../../src/facts/kernel_log.js';

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
