// The rollout's decisions and gate records, pure: which rule stops a batch, on which counts, and
// what a gate result says (command, exit status, the line naming the cause).
import { describe, expect, it } from 'vitest';
import { decideBatch, gateCommand, gateResult, gateText } from '../../src/engine/rollout.js';
import type { GateResult, TaskResult } from '../../src/engine/results.js';

const gate = (over: Partial<GateResult> = {}): GateResult => ({ host: 'c2', task: 'a container starts', command: 'docker run --rm hello-local true', ok: false, exitCode: 125, error: 'docker: Error response from daemon: boom', durationMs: 412, ...over });

describe('decisions after a batch', () => {
  it('a failed gate stops, naming host, gate, exit status, duration and cause', () => {
    const d = decideBatch({ of: 2, failed: ['c2'], gate: gate(), batches: 2, maxFailPercentage: 50 });
    expect(d).toMatchObject({ stop: true, rule: 'health-gate', failed: 1, of: 2, threshold: 50 });
    expect(d.text).toBe("c2: health gate 'a container starts' failed (exit 125 after 0.4 s): docker: Error response from daemon: boom; 1 of 2 hosts failed (50%), within max_fail_percentage 50%");
    expect(decideBatch({ of: 2, failed: ['c2'], gate: gate(), batches: 2 }).text).toBe("c2: health gate 'a container starts' failed (exit 125 after 0.4 s): docker: Error response from daemon: boom");
  });

  it('max_fail_percentage: over it stops with the counts, within it goes on saying so', () => {
    expect(decideBatch({ of: 4, failed: ['a', 'b'], batches: 3, maxFailPercentage: 25 })).toMatchObject({ stop: true, rule: 'max-fail-percentage', text: '2 of 4 hosts failed, more than max_fail_percentage 25% (50%)' });
    expect(decideBatch({ of: 4, failed: ['a'], batches: 3, maxFailPercentage: 25 })).toMatchObject({ stop: false, rule: 'failures-tolerated', text: '1 of 4 hosts failed (25%), within max_fail_percentage 25%: going on' });
    expect(decideBatch({ of: 4, failed: ['a'], batches: 3, maxFailPercentage: 25, last: true }).text).toBe('1 of 4 hosts failed (25%), within max_fail_percentage 25%');
  });

  it('any_errors_fatal, a batch failing whole, failures tolerated without a rule, all ok', () => {
    expect(decideBatch({ of: 3, failed: ['b'], batches: 1, anyErrorsFatal: true })).toMatchObject({ stop: true, rule: 'any-errors-fatal', text: 'b failed and any_errors_fatal is set' });
    expect(decideBatch({ of: 2, failed: ['a', 'b'], batches: 2 })).toMatchObject({ stop: true, rule: 'batch-failed' });
    // one batch only: nothing left to protect, the run just ends
    expect(decideBatch({ of: 2, failed: ['a', 'b'], batches: 1 })).toMatchObject({ stop: false, rule: 'failures-tolerated' });
    expect(decideBatch({ of: 3, failed: ['a'], batches: 2 }).text).toBe('1 of 3 hosts failed (33%), no max_fail_percentage set: going on');
    expect(decideBatch({ of: 1, failed: [], batches: 2, gatesPassed: 1 }).text).toBe('its host ok, its health gate passed: going on');
    expect(decideBatch({ of: 3, failed: [], batches: 2, gatesPassed: 6, last: true }).text).toBe('all 3 hosts ok, 6 health gates passed');
  });
});

describe('gate records', () => {
  const failed = (over: Partial<TaskResult>): TaskResult => ({ task: 'g', type: 'command', handler: false, status: 'failed', changes: [], ...over });

  it('a step that failed: its exit status and the line naming the cause, not the usage trailer', () => {
    const g = gateResult('c2', 'docker run --rm x true', failed({ exitCode: 125, reason: 'step failed (exit 125): …', output: "docker: Error response from daemon: boom\nSee 'docker run --help'." }), 300);
    expect(g).toEqual({ host: 'c2', task: 'g', command: 'docker run --rm x true', ok: false, exitCode: 125, error: 'docker: Error response from daemon: boom', durationMs: 300 });
    expect(gateText(g)).toBe("`docker run --rm x true` exit 125 after 0.3 s: docker: Error response from daemon: boom");
    expect(gateResult('c2', 'grep -q ok /f', failed({ exitCode: 1 }), 50).error).toBe('no output');
  });

  it('a failure that is no step (did not converge, bad argument) keeps its reason; a pass has no error', () => {
    expect(gateResult('h', 'service task', failed({ reason: 'did not converge: docker is not running' }), 10)).toMatchObject({ ok: false, error: 'did not converge: docker is not running' });
    expect(gateText(gateResult('h', 'docker info', failed({ status: 'ok' }), 120))).toBe('`docker info` passed after 0.1 s');
    expect(gateResult('h', 'x', failed({ exitCode: 2, output: 'pw=secret', noLog: true }), 1).error).toBe('(hidden by no_log)');
  });

  it("the gate's command from its arguments", () => {
    expect(gateCommand({ type: 'command', args: { cmd: 'docker info' } })).toBe('docker info');
    expect(gateCommand({ type: 'command', args: { argv: ['getent', 'hosts', 'registry.internal'] } })).toBe('getent hosts registry.internal');
    expect(gateCommand({ type: 'shell', args: { cmd: 'docker ps | grep -q web' } })).toBe('docker ps | grep -q web');
    expect(gateCommand({ type: 'service', args: { name: 'docker', state: 'started' } })).toBe('service task');
    expect(gateCommand({ type: 'shell', args: { cmd: 'curl -H "$TOKEN"' }, noLog: true })).toBe('shell (hidden by no_log)');
  });
});
