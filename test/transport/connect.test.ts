import { describe, expect, it } from 'vitest';
import { createTransport } from '../../src/transport/connect.js';
import { LocalTransport } from '../../src/transport/local.js';
import { SshTransport } from '../../src/transport/ssh.js';

describe('createTransport', () => {
  it('picks local or ssh from the spec', () => {
    expect(createTransport({ connection: 'local', host: 'localhost', port: 22, identityFiles: [] })).toBeInstanceOf(LocalTransport);
    const ssh = createTransport({ connection: 'ssh', host: '192.0.2.7', port: 2222, user: 'ops', identityFiles: [], sshConfigFile: false });
    expect(ssh).toBeInstanceOf(SshTransport);
    expect(ssh.target).toBe('ops@192.0.2.7:2222');
  });

  it('passes the command timeout to the local transport', async () => {
    const t = createTransport({ connection: 'local', host: 'localhost', port: 22, identityFiles: [], commandTimeoutMs: 200 });
    await expect(t.exec('sleep 5')).rejects.toMatchObject({ kind: 'timeout' });
  });
});
