import { describe, expect, it } from 'vitest';
import { lookupHost, parseJumpHop, parseSshConfig, resolveWithConfig, type ConfigIo } from '../../src/transport/ssh-config.js';
import type { ConnectionSpec } from '../../src/transport/transport.js';

/** Files from memory: the parser never touches the disk in these tests. */
function memIo(files: Record<string, string>): ConfigIo {
  return {
    home: '/home/me',
    read: (p) => files[p],
    list: (d) => Object.keys(files).filter((p) => p.startsWith(`${d}/`) && !p.slice(d.length + 1).includes('/')).map((p) => p.slice(d.length + 1)),
  };
}

const env = { home: '/home/me', localUser: 'me' };
const spec = (extra: Partial<ConnectionSpec> = {}): ConnectionSpec => ({ connection: 'ssh', host: 'x', port: 22, identityFiles: [], ...extra });

const config = parseSshConfig(
  `
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

Host db?
  HostName %h.internal
  UserKnownHostsFile ~/.ssh/kh_db

Host *
  IdentityFile /keys/default
  StrictHostKeyChecking no
`,
  '/home/me/.ssh/config',
  memIo({}),
);

describe('ssh config parsing and lookup', () => {
  it('first obtained value wins; IdentityFile accumulates in order', () => {
    const c = lookupHost(config, 'web-1');
    expect(c).toMatchObject({ hostname: '10.0.0.11', user: 'deploy', port: 2200 });
    expect(c.identityFiles).toEqual(['~/.ssh/web', '/keys/default']);
  });

  it('negated patterns exclude a host, `?` matches one character', () => {
    expect(lookupHost(config, 'web-test').user).toBeUndefined();
    expect(lookupHost(config, 'db1').hostname).toBe('db1.internal');
    expect(lookupHost(config, 'db12').hostname).toBeUndefined();
  });

  it('a Host line of only negations matches nothing', () => {
    const c = parseSshConfig('Host !a\n  User u\n', 'f', memIo({}));
    expect(lookupHost(c, 'b').user).toBeUndefined();
  });

  it('accepts keyword=value, is case-insensitive about keywords and strips quotes', () => {
    const c = parseSshConfig('HOST a b\nhostname=10.1.1.1\n  IdentityFile "/k with space"\n', 'f', memIo({}));
    expect(lookupHost(c, 'b')).toMatchObject({ hostname: '10.1.1.1', identityFiles: ['/k with space'] });
  });

  it('ignores StrictHostKeyChecking entirely (always strict)', () => {
    expect(JSON.stringify(lookupHost(config, 'anything'))).not.toMatch(/strict/i);
  });

  it('never applies Match blocks', () => {
    const c = parseSshConfig('Match all\n  User matched\nHost *\n  User plain\n', 'f', memIo({}));
    expect(lookupHost(c, 'h').user).toBe('plain');
  });

  it('follows Include relative to ~/.ssh with globs, in sorted order', () => {
    const io = memIo({
      '/home/me/.ssh/config.d/b.conf': 'Host h\n  User from-b\n',
      '/home/me/.ssh/config.d/a.conf': 'Host h\n  Port 2022\n  User from-a\n',
      '/home/me/.ssh/other': 'Host h\n  HostName via-other\n',
    });
    const c = parseSshConfig('Include config.d/*.conf ~/.ssh/other\nHost h\n  User last\n', '/home/me/.ssh/config', io);
    expect(lookupHost(c, 'h')).toMatchObject({ user: 'from-a', port: 2022, hostname: 'via-other' });
  });

  it('an Include inside a Host block applies only to that host', () => {
    const io = memIo({ '/home/me/.ssh/inc': 'User inc\nHost *\n  Port 2000\n' });
    const c = parseSshConfig('Host only\n  Include inc\n', '/home/me/.ssh/config', io);
    expect(lookupHost(c, 'only')).toMatchObject({ user: 'inc', port: 2000 });
    expect(lookupHost(c, 'other')).toMatchObject({ user: undefined, port: undefined });
  });

  it('refuses an Include loop with a location', () => {
    const io = memIo({ '/home/me/.ssh/loop': 'Include loop\n' });
    expect(() => parseSshConfig('Include loop\n', '/home/me/.ssh/config', io)).toThrow(/loop:1: Include nested/);
  });

  it('reports a bad Port with file:line and the fix', () => {
    const c = parseSshConfig('Host h\n\n  Port twenty\n', '/cfg', memIo({}));
    expect(() => lookupHost(c, 'h')).toThrow(expect.objectContaining({ kind: 'config', message: expect.stringMatching(/^\/cfg:3: Port 'twenty' is not a port number/) }));
  });
});

describe('ProxyJump hops', () => {
  it('parses [user@]host[:port], IPv6 and ssh:// forms', () => {
    expect(parseJumpHop('a')).toEqual({ host: 'a', user: undefined, port: undefined });
    expect(parseJumpHop('u@a:2')).toEqual({ user: 'u', host: 'a', port: 2 });
    expect(parseJumpHop('[::1]:2222')).toEqual({ user: undefined, host: '::1', port: 2222 });
    expect(parseJumpHop('ssh://u@a:3')).toEqual({ user: 'u', host: 'a', port: 3 });
    expect(() => parseJumpHop('u@a:99999')).toThrow(/bad ProxyJump hop/);
    expect(() => parseJumpHop('a b')).toThrow(/bad ProxyJump hop/);
  });
});

describe('resolveWithConfig', () => {
  it('resolves ProxyJump hops through the config; inventory values win', () => {
    const r = resolveWithConfig(spec({ host: 'db.behind', user: 'root', identityFiles: ['/inv/key'] }), config, env);
    expect([...r.jumps, r.target].map((h) => `${h.user}@${h.host}:${h.port}`)).toEqual(['jump@192.0.2.1:2222', 'root@db.behind:22']);
    // inventory keys first, then the config's
    expect(r.target.identityFiles).toEqual(['/inv/key', '/keys/default']);
    expect(r.jumps[0]!.identityFiles).toEqual(['/keys/bastion', '/keys/default']);
  });

  it('inventory user and non-default port override the config', () => {
    const r = resolveWithConfig(spec({ host: 'web-2', user: 'ops', port: 2022 }), config, env);
    expect(r.target).toMatchObject({ host: 'web-2', user: 'ops', port: 2022 });
    expect(r.target.identityFiles).toEqual(['/home/me/.ssh/web', '/keys/default']);
    expect(resolveWithConfig(spec({ host: 'web-2' }), config, env).target).toMatchObject({ user: 'deploy', port: 2200 });
  });

  it('defaults to the local user and the OpenSSH known_hosts files', () => {
    const r = resolveWithConfig(spec({ host: 'plain' }), [], env);
    expect(r.target).toMatchObject({ user: 'me', port: 22, identityFiles: [], knownHostsFiles: ['/home/me/.ssh/known_hosts', '/etc/ssh/ssh_known_hosts'] });
    expect(r.jumps).toEqual([]);
  });

  it('takes UserKnownHostsFile from the config unless the inventory names files', () => {
    expect(resolveWithConfig(spec({ host: 'db1' }), config, env).target.knownHostsFiles).toEqual(['/home/me/.ssh/kh_db', '/etc/ssh/ssh_known_hosts']);
    expect(resolveWithConfig(spec({ host: 'db1', knownHostsFiles: ['/inv/kh'] }), config, env).target.knownHostsFiles).toEqual(['/inv/kh']);
  });

  it('expands % tokens in IdentityFile', () => {
    const c = parseSshConfig('Host *\n  IdentityFile %d/keys/%r@%h-%p\n', 'f', memIo({}));
    expect(resolveWithConfig(spec({ host: 'h', user: 'u', port: 2 }), c, env).target.identityFiles).toEqual(['/home/me/keys/u@h-2']);
  });

  it("the first jump's own ProxyJump is followed; ProxyJump none disables", () => {
    const c = parseSshConfig('Host inner\n  ProxyJump outer\nHost target\n  ProxyJump inner,mid\n', 'f', memIo({}));
    expect(resolveWithConfig(spec({ host: 'target' }), c, env).jumps.map((h) => h.host)).toEqual(['outer', 'inner', 'mid']);
    expect(resolveWithConfig(spec({ host: 'target', proxyJump: 'none' }), c, env).jumps).toEqual([]);
    // an inventory ProxyJump wins over the config's
    expect(resolveWithConfig(spec({ host: 'target', proxyJump: 'u@j:9' }), c, env).jumps.map((h) => `${h.user}@${h.host}:${h.port}`)).toEqual(['u@j:9']);
  });

  it('refuses a ProxyJump loop', () => {
    const c = parseSshConfig('Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n', 'f', memIo({}));
    expect(() => resolveWithConfig(spec({ host: 'a' }), c, env)).toThrow(/ProxyJump chain longer/);
  });
});
