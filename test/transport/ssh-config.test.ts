import { describe, expect, it } from 'vitest';
import { lookupHost, parseSshConfig } from '../../src/transport/ssh-config.js';
import { resolveHops } from '../../src/transport/ssh.js';

const config = parseSshConfig(`
Host web-* !web-test
  User deploy
  Port 2200
  IdentityFile ~/.ssh/web

Host web-1
  HostName 10.0.0.11
  User ignored-first-wins

Host *.behind
  ProxyJump jump@bastion:2222

Host bastion
  HostName 192.0.2.1
  IdentityFile /keys/bastion

Host *
  IdentityFile /keys/default
  StrictHostKeyChecking no
`, '/nonexistent');

describe('ssh config', () => {
  it('first obtained value wins; IdentityFile accumulates', () => {
    const c = lookupHost(config, 'web-1');
    expect(c).toMatchObject({ hostname: '10.0.0.11', user: 'deploy', port: 2200 });
    expect(c.identityFiles.map((f) => f.replace(/^.*\/\.ssh/, '~/.ssh'))).toEqual(['~/.ssh/web', '/keys/default']);
  });

  it('negated patterns exclude a host', () => {
    expect(lookupHost(config, 'web-test').user).toBeUndefined();
  });

  it('resolves ProxyJump hops through the config; inventory values win', () => {
    const hops = resolveHops({ connection: 'ssh', host: 'db.behind', port: 22, user: 'root', identityFiles: ['/inv/key'] }, config);
    expect(hops.map((h) => `${h.user}@${h.host}:${h.port}`)).toEqual(['jump@192.0.2.1:2222', 'root@db.behind:22']);
    expect(hops[1]!.identityFiles).toEqual(['/inv/key']);
    expect(hops[0]!.identityFiles).toEqual(['/keys/bastion', '/keys/default']);
  });
});
