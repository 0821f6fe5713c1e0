import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FleetError } from '../../src/errors.js';
import { becomeOf, defaultInventory, parseInventoryText, select, selectHosts, toConnectionSpec } from '../../src/inventory/index.js';

const yaml = `all:
  vars: { level: all, ntp: pool.ntp.org }
  hosts:
    bastion: { ansible_host: 10.0.0.1 }
  children:
    docker:
      vars: { level: docker }
      children:
        lxc:
          vars: { level: lxc }
          hosts:
            ct[01:03]: { ansible_user: admin }
        metal:
          hosts:
            node-a: { level: host, ansible_port: 2222, port: 9999 }
`;

const ini = `bastion ansible_host=10.0.0.1

[lxc]
ct[01:03] ansible_user=admin   # three guests
ct04 ansible_become=true

[metal]
node-a ansible_port=2222 level=host

[docker:children]
lxc
metal

[docker:vars]
level=docker
debug=false

[lxc:vars]
level=lxc
`;

describe('inventory', () => {
  it.each([
    ['YAML', yaml, 'inv.yaml'],
    ['INI', ini, 'hosts.ini'],
  ])('%s: groups, ranges and precedence all < parent < child < host < extra', (_n, text, file) => {
    const inv = parseInventoryText(text, file, { extra: 'yes' });
    expect([...inv.hosts.keys()]).toEqual(expect.arrayContaining(['bastion', 'ct01', 'ct02', 'ct03', 'node-a']));
    expect(inv.hosts.get('ct02')!.vars).toMatchObject({ level: 'lxc', ansible_user: 'admin', extra: 'yes', inventory_hostname: 'ct02' });
    expect(inv.hosts.get('ct02')!.groups).toEqual(['docker', 'lxc']);
    expect(inv.hosts.get('node-a')!.vars.level).toBe('host');
    expect(inv.hosts.get('node-a')!.vars.ansible_port).toBe(2222);
    expect(inv.hosts.get('bastion')!.vars.level).toBe(file.endsWith('ini') ? undefined : 'all');
  });

  it('INI values are typed as Ansible types them: true and false stay strings, sudo still reads them', () => {
    const inv = parseInventoryText(ini, 'hosts.ini');
    expect(inv.hosts.get('ct04')!.vars).toMatchObject({ ansible_become: 'true', debug: 'false' });
    expect(becomeOf(inv.hosts.get('ct04')!.vars)).toEqual({ become: true, becomeUser: undefined });
  });

  it('maps connection variables, the ansible_ spelling winning', () => {
    const inv = parseInventoryText(yaml, 'inv.yaml');
    expect(toConnectionSpec(inv.hosts.get('node-a')!.vars)).toMatchObject({ connection: 'ssh', host: 'node-a', port: 2222 });
    expect(toConnectionSpec(inv.hosts.get('ct01')!.vars)).toMatchObject({ host: 'ct01', user: 'admin', port: 22 });
    expect(toConnectionSpec({ inventory_hostname: 'x', host: 'h', user: 'u', identity_file: ['/k1', '/k2'], known_hosts_file: '/kh' })).toMatchObject({ host: 'h', user: 'u', identityFiles: ['/k1', '/k2'], knownHostsFiles: ['/kh'] });
  });

  it('maps the timeouts and the keepalive interval, in seconds', () => {
    expect(toConnectionSpec({ inventory_hostname: 'x', ansible_timeout: 5, command_timeout: '30', keepalive_interval: 2 })).toMatchObject({ connectTimeoutMs: 5000, commandTimeoutMs: 30_000, keepaliveIntervalMs: 2000 });
    expect(() => toConnectionSpec({ inventory_hostname: 'x', command_timeout: 0 })).toThrow(/command_timeout is 0; use a number of seconds/);
    expect(() => toConnectionSpec({ inventory_hostname: 'x', keepalive_interval: 'soon' })).toThrow(/keepalive_interval/);
  });

  it('maps max_output, in MiB, and refuses what Node could not hold', () => {
    expect(toConnectionSpec({ inventory_hostname: 'x' }).maxOutputBytes).toBeUndefined();
    expect(toConnectionSpec({ inventory_hostname: 'x', max_output: 1 }).maxOutputBytes).toBe(1024 * 1024);
    expect(toConnectionSpec({ inventory_hostname: 'x', max_output: '0.5' }).maxOutputBytes).toBe(512 * 1024);
    expect(() => toConnectionSpec({ inventory_hostname: 'x', max_output: 1024 })).toThrow(/max_output is 1024; use a number of MiB from 0.01 to 256/);
    expect(() => toConnectionSpec({ inventory_hostname: 'x', max_output: 'lots' })).toThrow(/max_output/);
  });

  it('defaults to localhost over a local connection', () => {
    const inv = defaultInventory();
    expect(toConnectionSpec(inv.hosts.get('localhost')!.vars).connection).toBe('local');
  });

  it.each([
    ['all', ['bastion', 'ct01', 'ct02', 'ct03', 'node-a']],
    ['lxc', ['ct01', 'ct02', 'ct03']],
    ['ct0*', ['ct01', 'ct02', 'ct03']],
    ['~ct0[12]', ['ct01', 'ct02']],
    ['docker,!ct02', ['ct01', 'ct03', 'node-a']],
    ['docker:!lxc', ['node-a']],
    ['docker,&lxc', ['ct01', 'ct02', 'ct03']],
    ['bastion,node-a', ['bastion', 'node-a']],
    ['nothing', []],
    // as Ansible: a leading ! or & starts from all, and the pattern's order is the result's
    ['!lxc', ['bastion', 'node-a']],
    ['node-a,lxc', ['node-a', 'ct01', 'ct02', 'ct03']],
    ['~ct', ['ct01', 'ct02', 'ct03']],
    ['~t0', []],
    ['lxc[-1]', ['ct03']],
    ['lxc[1:]', ['ct02', 'ct03']],
  ])('--limit %s', (pattern, hosts) => {
    expect(selectHosts(parseInventoryText(yaml, 'inv.yaml'), pattern)).toEqual(hosts);
  });

  it('reports limit terms that matched nothing', () => {
    expect(select(parseInventoryText(yaml, 'inv.yaml'), 'lxc,dokcer').unmatched).toEqual(['dokcer']);
  });

  const err = (text: string, file = 'inv.yaml') => {
    try {
      parseInventoryText(text, file);
    } catch (e) {
      expect(e).toBeInstanceOf(FleetError);
      return (e as Error).message;
    }
    throw new Error('expected an error');
  };
  it.each([
    ['bad YAML', 'all:\n  hosts: [\n', /^inv\.yaml:\d+:\d+: invalid YAML/],
    ['unknown group key', 'all:\n  host:\n    a:\n', /^inv\.yaml:2:3: unknown key 'host' in group 'all' \(did you mean 'hosts'\?\)/],
    ['cycle', 'all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n', /group children form a cycle in inv\.yaml: a -> b -> a/],
    ['duplicate keys', 'all:\n  hosts:\n    a:\n    a:\n', /^inv\.yaml:3:\d+: invalid YAML: Map keys must be unique/],
    ['bad range', 'all:\n  hosts:\n    web[3:1]:\n', /^inv\.yaml:3:5: bad host range 'web\[3:1\]': the start is after the end/],
    ['INI bad header', '[web\nhost1\n', /^h\.ini:1:1: bad section header/],
    ['INI bad var', '[web]\nhost1 port\n', /^h\.ini:2:7: expected key=value after host 'host1'/],
  ])('%s -> one line with its location', (_n, text, re) => {
    const file = String(re).includes('h\\.ini') ? 'h.ini' : 'inv.yaml';
    const msg = err(text, file);
    expect(msg).toMatch(re);
    expect(msg).not.toContain('\n');
  });

  it('never throws anything but a FleetError on random input (fuzz)', () => {
    for (const file of ['f.yaml', 'f.ini']) {
      fc.assert(
        fc.property(fc.string({ maxLength: 200 }), (text) => {
          try {
            parseInventoryText(text, file);
          } catch (e) {
            return e instanceof FleetError;
          }
          return true;
        }),
        { numRuns: 300 },
      );
    }
  });
});
