// harden.yaml's promise, without hosts: every variable its header lists is a play default, so a
// group or host var in the inventory overrides it, and -e overrides both.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { preparePlays } from '../../src/engine/run.js';
import { parseInventoryText } from '../../src/inventory/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { builtinRegistry } from '../../src/tasks/builtin.js';

const HARDEN = new URL('../../playbooks/harden.yaml', import.meta.url).pathname;
const registry = builtinRegistry();

describe('harden.yaml variables', () => {
  const pb = loadPlaybook(HARDEN, registry);
  const play = pb.plays[0]!;

  it('declares every variable of its header as a default, none as play vars', () => {
    expect(play.vars).toEqual({});
    const header = readFileSync(HARDEN, 'utf8').split('\n- name:')[0]!;
    const named = [...header.matchAll(/^#\s{3}([a-z]+_[a-z_]+)(?:\s*\/\s*([a-z_]+))?(?:\s*\/\s*([a-z_]+))?/gm)].flatMap((m) => m.slice(1).filter(Boolean));
    expect(named.length).toBeGreaterThan(10);
    // docker_user_interface has no default on purpose: unset, the firewall task is skipped
    expect(named.filter((v) => !(v in play.defaults!))).toEqual(['docker_user_interface']);
  });

  it('a host or group var beats the default; -e beats both', () => {
    const inv = parseInventoryText(`all:
  vars: { ansible_connection: local, docker_user_interface: eth0 }
  children:
    office:
      vars: { docker_user_allowed_sources: [198.51.100.0/24] }
      hosts:
        a: { docker_user_allowed_sources: [192.0.2.7, "2001:db8::/32"], docker_user_allowed_ports: [443] }
        b: {}
  hosts:
    c: {}
`, 'inv.yaml');
    const firewall = (extraVars = {}) => new Map(preparePlays(pb, inv, { registry, extraVars })[0]!.hosts.map((h) => [h.host, h.tasks.find((t) => t.call.type === 'docker_user')!.args]));
    const args = firewall();
    expect(args.get('a')).toMatchObject({ external_interface: 'eth0', allowed_sources: ['192.0.2.7', '2001:db8::/32'], allowed_ports: ['443'] });
    expect(args.get('b')).toMatchObject({ allowed_sources: ['198.51.100.0/24'], allowed_ports: [] });
    expect(args.get('c')).toMatchObject({ allowed_sources: [], allowed_ports: [] });
    expect(firewall({ docker_user_allowed_sources: ['203.0.113.0/24'] }).get('a')).toMatchObject({ allowed_sources: ['203.0.113.0/24'], allowed_ports: ['443'] });
  });
});
