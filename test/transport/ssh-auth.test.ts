import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authPlan, methodOf, tooOpen } from '../../src/transport/ssh-auth.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-auth-'));
const key = (name: string, pass = '') => {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', pass, '-C', '', '-f', join(dir, name)]);
  return join(dir, name);
};

describe('authPlan', () => {
  const plain = key('plain');
  const locked = key('locked', 'sesame');
  writeFileSync(join(dir, 'garbage'), 'not a key\n', { mode: 0o600 });

  it('offers identity files in order, then the agent, then a password', () => {
    const second = key('second');
    const p = authPlan({ user: 'u', identityFiles: [plain, second], password: 'pw', env: { SSH_AUTH_SOCK: '/run/agent.sock' } });
    expect(p.attempts.map((a) => a.label)).toEqual([`key ${plain}`, `key ${second}`, 'ssh-agent', 'password']);
    expect(p.attempts.map(methodOf)).toEqual(['publickey', 'publickey', 'publickey', 'password']);
    expect(p.attempts[2]!.auth).toMatchObject({ type: 'agent', username: 'u', agent: '/run/agent.sock' });
    expect(p.notes).toEqual([]);
  });

  it('no agent without SSH_AUTH_SOCK, no password unless given', () => {
    expect(authPlan({ user: 'u', identityFiles: [plain], env: {} }).attempts.map((a) => a.label)).toEqual([`key ${plain}`]);
  });

  it('skips an encrypted key without a passphrase, with a note saying how to fix it', () => {
    const p = authPlan({ user: 'u', identityFiles: [locked], env: {} });
    expect(p.attempts).toEqual([]);
    expect(p.notes).toEqual([`key ${locked} skipped: it is encrypted (set FLEET_SSH_KEY_PASSPHRASE or add it to ssh-agent)`]);
  });

  it('decrypts with FLEET_SSH_KEY_PASSPHRASE, and says so when it is wrong', () => {
    expect(authPlan({ user: 'u', identityFiles: [locked], env: { FLEET_SSH_KEY_PASSPHRASE: 'sesame' } }).attempts).toHaveLength(1);
    expect(authPlan({ user: 'u', identityFiles: [locked], env: { FLEET_SSH_KEY_PASSPHRASE: 'wrong' } }).notes[0]).toMatch(/does not decrypt it/);
  });

  it('notes missing and unparsable files', () => {
    const p = authPlan({ user: 'u', identityFiles: [join(dir, 'nope'), join(dir, 'garbage')], env: {} });
    expect(p.attempts).toEqual([]);
    expect(p.notes[0]).toBe(`key ${join(dir, 'nope')} skipped: no such file`);
    expect(p.notes[1]).toMatch(new RegExp(`^key ${join(dir, 'garbage')} skipped: `));
  });

  it('refuses a key that group or others can read, as OpenSSH does, naming the file and the fix', () => {
    const open = key('open');
    chmodSync(open, 0o644);
    const p = authPlan({ user: 'u', identityFiles: [open, plain], env: {} });
    expect(p.attempts.map((a) => a.label)).toEqual([`key ${plain}`]);
    expect(p.notes).toEqual([`key ${open} skipped: UNPROTECTED PRIVATE KEY FILE: permissions 0644 for ${open} are too open, others than its owner can read it; fix with: chmod 600 ${open}`]);
    chmodSync(open, 0o640);
    expect(authPlan({ user: 'u', identityFiles: [open], env: {} }).notes[0]).toMatch(/permissions 0640 .* chmod 600 /);
    chmodSync(open, 0o400);
    expect(authPlan({ user: 'u', identityFiles: [open], env: {} }).attempts).toHaveLength(1);
  });

  it('skips a key path that is a directory or a FIFO, without waiting on it', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const p = authPlan({ user: 'u', identityFiles: [dir, fifo, plain], env: {} });
    expect(p.attempts.map((a) => a.label)).toEqual([`key ${plain}`]);
    expect(p.notes).toEqual([`key ${dir} skipped: not a regular file`, `key ${fifo} skipped: not a regular file`]);
  });

  it('the rule: our key with any group/other bit; anybody\'s key that others can read', () => {
    expect(tooOpen({ uid: 1000, mode: 0o100600 }, 1000)).toBeUndefined();
    expect(tooOpen({ uid: 1000, mode: 0o100400 }, 1000)).toBeUndefined();
    expect(tooOpen({ uid: 1000, mode: 0o100640 }, 1000)).toBe('0640');
    expect(tooOpen({ uid: 1000, mode: 0o100604 }, 1000)).toBe('0604');
    // another user's key (root using a deploy key): group may read it, as OpenSSH allows
    expect(tooOpen({ uid: 1000, mode: 0o100640 }, 0)).toBeUndefined();
    expect(tooOpen({ uid: 1000, mode: 0o100644 }, 0)).toBe('0644');
  });
});
