// The inventory rules ansible-core 2.14 follows, each on a small inline inventory (the expected
// values are what ansible-inventory --list printed for the same text).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryToJson, loadInventory, parseInventoryText } from '../../src/inventory/index.js';
import { inventoryDirFiles } from '../../src/inventory/load.js';
import { NOT_LITERAL, pyLiteral } from '../../src/inventory/py-literal.js';
import { withPlaybookDir } from '../../src/inventory/resolve.js';

const vars = (text: string, host: string, file = 'h.ini') => {
  const v = { ...parseInventoryText(text, file).hosts.get(host)!.vars };
  delete v.inventory_hostname;
  delete v.group_names;
  return v;
};

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'fleet-inv-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

describe('INI values, typed by ast.literal_eval as Ansible', () => {
  it('on a host line (quotes removed first, as shlex)', () => {
    const line = `h1 a=0644 b=no c=[80,443] d=None e=true f=0x10 g=True h=1e3 i="x y" j='{"k": 1}' k=1.5 l=-3 m=yes n=07 o=0o17 p=False q='no' r="5"\n`;
    expect(vars(line, 'h1')).toEqual({ a: '0644', b: 'no', c: [80, 443], d: null, e: 'true', f: 16, g: true, h: 1000, i: 'x y', j: { k: 1 }, k: 1.5, l: -3, m: 'yes', n: '07', o: 15, p: false, q: 'no', r: 5 });
  });

  it('in [group:vars] (the whole rest of the line, quotes and comments kept as Python reads them)', () => {
    const text = `[g]\nh2\n[g:vars]\na=0644\nc=[80,443]\nd=None\ne=true\nr="5"\ns=x # comment\nt=1 ; comment\nu = 1 # python comment\n`;
    expect(vars(text, 'h2')).toEqual({ a: '0644', c: [80, 443], d: null, e: 'true', r: '5', s: 'x # comment', t: '1 ; comment', u: 1 });
  });

  it.each([
    ['1_000', 1000],
    ['.5', 0.5],
    ['0b101', 5],
    ['00', 0],
    ["'a' 'b'", 'ab'],
    ['(1, 2)', [1, 2]],
    ['(1)', 1],
    ['{1, 2}', [1, 2]],
    ["r'\\d'", '\\d'],
    ["'\\x41\\n'", 'A\n'],
    ['-(-1)', 1],
  ])('pyLiteral(%s)', (text, want) => expect(pyLiteral(text)).toEqual(want));

  it.each(['yes', '0644', 'inf', '1j', 'x.y', '[1,', "'open", '1 2', '-True', ''])('%s is not a literal', (text) => expect(pyLiteral(text)).toBe(NOT_LITERAL));
});

describe('INI structure as Ansible', () => {
  it('an IPv6 host with a port is a host line, not a section', () => {
    const inv = parseInventoryText('[g2]\n[2001:db8::2]:2222\n[2001:db8::3]:2222 x=1\n', 'h.ini');
    expect(inv.hosts.get('2001:db8::3')!.vars).toMatchObject({ ansible_port: 2222, x: 1 });
    expect(inv.groups.get('g2')!.hosts).toEqual(['2001:db8::2', '2001:db8::3']);
  });

  it('children naming an undefined group are an error; defined later in the file they are fine', () => {
    expect(() => parseInventoryText('[g:children]\nnosuch\n', 'h.ini')).toThrow(/^h\.ini:2:1: \[g:children\] names group 'nosuch', which is not defined/);
    expect(() => parseInventoryText('[g:vars]\nx=1\n', 'h.ini')).toThrow(/^h\.ini:1:2: \[g:vars\] names a group that is not defined/);
    const inv = parseInventoryText('[g:children]\nlater\n[later]\nh\n', 'h.ini');
    expect(inv.hosts.get('h')!.groups).toEqual(['g', 'later']);
  });

  it('a host named like a group is a warning, as in Ansible', () => {
    const inv = parseInventoryText('[g2]\nweb\n[web]\nw1\n', 'h.ini');
    expect(inv.warnings).toEqual(["found both a group and a host named 'web' in h.ini"]);
    expect(inv.groups.get('g2')!.hosts).toEqual(['web']);
  });

  it('ansible_group_priority orders groups of one depth and is not a variable', () => {
    const ini = '[g]\nh\n[a]\nh\n[g:vars]\nansible_group_priority=10\nx=g\n[a:vars]\nx=a\n';
    expect(vars(ini, 'h')).toEqual({ x: 'g' });
    const yaml = 'all:\n  children:\n    g:\n      vars: {ansible_group_priority: 10, x: g}\n      hosts: {h: }\n    a:\n      vars: {x: a}\n      hosts: {h: }\n';
    expect(vars(yaml, 'h', 'i.yaml')).toEqual({ x: 'g' });
    expect(() => parseInventoryText('[g]\nh\n[g:vars]\nansible_group_priority=high\n', 'h.ini')).toThrow(/^h\.ini:4:1: ansible_group_priority of group 'g' must be a whole number/);
  });
});

describe('YAML structure as Ansible', () => {
  it('an empty or comment-only inventory has no hosts (a warning)', () => {
    for (const text of ['', '# only a comment\n', '---\n']) {
      const inv = parseInventoryText(text, 'hosts.yaml');
      expect(inv.hosts.size).toBe(0);
      expect(inv.warnings).toEqual(['hosts.yaml has no hosts']);
    }
  });

  it('hosts: and children: as a plain string are one entry', () => {
    const inv = parseInventoryText('all:\n  hosts: web1\n  children:\n    g:\n      hosts: a[1:2]:2222\n', 'i.yaml');
    expect([...inv.hosts.keys()]).toEqual(['web1', 'a1', 'a2']);
    expect(inv.hosts.get('a2')!.vars.ansible_port).toBe(2222);
  });

  it('children naming a group defined nowhere else create it', () => {
    const inv = parseInventoryText('all:\n  children:\n    empty:\n    g:\n      hosts: { h: }\n', 'i.yaml');
    expect(inv.groups.has('empty')).toBe(true);
  });
});

describe('group_vars/ and host_vars/', () => {
  const files = {
    'inv/hosts.ini': '[web]\nw1 own=host\n[prod:children]\nweb\n[web:vars]\nlevel=inv-web\n[all:vars]\nlevel=inv-all\nfrom_all=inv\n',
    'inv/group_vars/all.yml': 'from_all: gv\nlevel: gv-all\nbool: yes\n',
    'inv/group_vars/prod/a.yml': 'level: gv-prod\nsplit: a\n',
    'inv/group_vars/prod/b.yaml': 'split: b\n',
    'inv/group_vars/prod/c.txt': 'split: ignored\n',
    'inv/group_vars/prod/.hidden': 'split: ignored\n',
    'inv/group_vars/web': 'web_file: plain\n',
    'inv/group_vars/web.yml': 'web_file: not-read (the name without extension comes first)\n',
    'inv/host_vars/w1.json': '{"own": "host_vars"}\n',
    'play/group_vars/web.yml': 'level: playbook-web\n',
    'play/host_vars/w1.yml': 'pb: yes\n',
  };

  it('next to the inventory, at Ansible precedence', () => {
    const root = tree(files);
    const inv = loadInventory(join(root, 'inv/hosts.ini'));
    // every group's inventory vars < every group's group_vars/ files: group_vars/prod beats [web:vars]
    expect(inv.hosts.get('w1')!.vars).toMatchObject({ from_all: 'gv', level: 'gv-prod', bool: true, split: 'b', web_file: 'plain', own: 'host_vars' });
  });

  it('next to the playbook, above the inventory-adjacent ones', () => {
    const root = tree(files);
    const inv = withPlaybookDir(loadInventory(join(root, 'inv/hosts.ini')), join(root, 'play'));
    expect(inv.hosts.get('w1')!.vars).toMatchObject({ level: 'playbook-web', pb: true, own: 'host_vars' });
  });

  it('a vars file that is not a mapping is an error naming it', () => {
    const root = tree({ 'hosts.ini': 'h\n', 'host_vars/h.yml': '- a\n' });
    expect(() => loadInventory(join(root, 'hosts.ini'))).toThrow(/host_vars\/h\.yml:1:1: vars file .* must be a mapping/);
  });
});

describe('inventory directories and several sources', () => {
  it('reads every file of a directory as Ansible does, skipping .ini, .md, ~ and the like', () => {
    const root = tree({
      'a.yml': 'all:\n  hosts:\n    y1:\n',
      'b': '[g]\nb1\n',
      'c.ini': '[g]\nnot-read\n',
      'README.md': '# nope\n',
      'b~': 'nope\n',
      'sub/d.yaml': 'g:\n  hosts:\n    d1:\n',
      'group_vars/g.yml': 'x: 1\n',
    });
    expect(inventoryDirFiles(root).map((f) => f.slice(root.length + 1))).toEqual(['a.yml', 'b', 'sub/d.yaml']);
    const inv = loadInventory(root);
    expect([...inv.hosts.keys()]).toEqual(['y1', 'b1', 'd1']);
    expect(inv.hosts.get('d1')!.vars.x).toBe(1);
  });

  it('several sources merge in order, a later one overriding', () => {
    const root = tree({ 'one.yaml': 'all:\n  vars: { v: one }\n  hosts: { h1: }\n', 'two.ini': '[all:vars]\nv=two\n[g]\nh2\n' });
    const inv = loadInventory([join(root, 'one.yaml'), join(root, 'two.ini')]);
    expect([...inv.hosts.keys()]).toEqual(['h1', 'h2']);
    expect(inv.hosts.get('h1')!.vars.v).toBe('two');
    expect(inv.file).toBe(join(root, 'one.yaml'));
  });
});

describe('fleet inventory --list', () => {
  it("has ansible-inventory --list's shape: own hosts, children, _meta.hostvars without internal names", () => {
    const inv = parseInventoryText('[web]\nw1 x=1\n[prod:children]\nweb\n[empty]\n', 'h.ini');
    expect(inventoryToJson(inv, ['w1'])).toEqual({ all: { children: ['ungrouped', 'prod', 'empty'] }, prod: { children: ['web'] }, web: { hosts: ['w1'] }, _meta: { hostvars: { w1: { x: 1 } } } });
  });
});

describe('what fleet refuses', () => {
  it('an inventory plugin configuration, in one line', () => {
    expect(() => parseInventoryText('plugin: constructed\ngroups:\n  web: true\n', 'inv.yml')).toThrow(/^inv\.yml:1:1: inv\.yml configures the inventory plugin 'constructed'; fleet reads static YAML and INI inventories/);
  });

  it('a YAML file that is INI is read as INI, as Ansible falls back to its ini plugin', () => {
    const inv = parseInventoryText('[masters]\n  m1 ansible_host=10.0.0.1\n', 'inventory.yml');
    expect(inv.hosts.get('m1')!.vars.ansible_host).toBe('10.0.0.1');
  });
});
