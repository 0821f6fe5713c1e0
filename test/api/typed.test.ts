// The library's types: call() arguments come from the task's schema, play() takes every play field.
// The @ts-expect-error lines are the test: `npm test` typechecks this file, and an expected error
// that does not happen fails the typecheck.
import { describe, expect, it } from 'vitest';
import { call, play } from '../../src/api.js';
import { copyTask, containerdPinTask, jsonFileTask } from '../../src/tasks/builtin-tasks.js';

describe('typed library', () => {
  it('call(): known arguments, required ones, templates for any value', () => {
    const ok = call(copyTask, 'motd', { dest: '/etc/motd', content: 'hi\n', mode: '0644' });
    // @ts-expect-error an unknown argument (a typo) does not compile
    call(copyTask, 'motd', { dest: '/etc/motd', content: 'hi', modee: '0644' });
    // @ts-expect-error a missing required argument does not compile (dest)
    call(copyTask, 'motd', { content: 'hi' });
    // @ts-expect-error a value of the wrong type does not compile
    call(copyTask, 'motd', { dest: '/etc/motd', content: 'hi', backup: 'yes please' });
    // a template may stand for any value, rendered per host
    call(copyTask, 'motd', { dest: '/etc/motd', content: 'hi', backup: '{{ keep_backups }}' });
    call(containerdPinTask, 'pin', { version: '1.7.28-1', allow_downgrade: true });
    call(jsonFileTask, 'daemon.json', { path: '/etc/docker/daemon.json', set: { 'live-restore': true } });
    expect(ok).toMatchObject({ name: 'motd', type: 'copy', args: { dest: '/etc/motd' } });
  });

  it('play(): the rollout fields a YAML play has', () => {
    const p = play({ name: 'canary', hosts: 'web', serial: [1, '50%'], maxFailPercentage: 10, rollbackOnFailure: true, health: [], handlers: [], tasks: [] });
    expect(p).toMatchObject({ hosts: 'web', serial: [1, '50%'], maxFailPercentage: 10, rollbackOnFailure: true, varsFiles: [] });
    // @ts-expect-error an unknown play field does not compile
    play({ name: 'x', tasks: [], seriall: 1 });
  });
});
