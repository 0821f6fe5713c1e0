import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/playbook/yaml-source.js';
import { clearSecrets, redact, SECRET_MARKER } from '../../src/secrets/registry.js';

afterEach(() => {
  clearSecrets();
  delete process.env.FLEET_TEST_SECRET;
});

const parse = (text: string, file = '/tmp/site.yaml') => parseYaml(text, file, 'playbook').doc.toJS() as Record<string, unknown>;

describe('secret YAML tags', () => {
  it('!secret, !env and !file give the plain value and register it as secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-tags-'));
    writeFileSync(join(dir, 'key.txt'), 'from-a-file\n');
    process.env.FLEET_TEST_SECRET = 'from-the-env';
    const v = parse('a: !secret literal-one\nb: !env FLEET_TEST_SECRET\nc: !file key.txt\nd: plain-text\n', join(dir, 'site.yaml'));
    expect(v).toEqual({ a: 'literal-one', b: 'from-the-env', c: 'from-a-file', d: 'plain-text' });
    expect(redact('literal-one from-the-env from-a-file plain-text')).toBe(`${SECRET_MARKER} ${SECRET_MARKER} ${SECRET_MARKER} plain-text`);
  });

  it('an unset !env variable is an error at its file:line:column', () => {
    expect(() => parse('a: 1\nb: !env FLEET_TEST_SECRET\n')).toThrow(/^\/tmp\/site\.yaml:2:4: environment variable FLEET_TEST_SECRET is not set/);
  });

  it('an unreadable !file is an error at its location, naming the full path', () => {
    expect(() => parse('x:\n  y: !file nope.txt\n')).toThrow(/^\/tmp\/site\.yaml:2:6: cannot read !file \/tmp\/nope\.txt: no such file/);
  });

  it('an unknown tag is an error with the closest known one, not a plain string', () => {
    expect(() => parse('a: !secrte x\n')).toThrow(/^\/tmp\/site\.yaml:1:4: unknown YAML tag !secrte \(did you mean !secret\?\)/);
  });
});
