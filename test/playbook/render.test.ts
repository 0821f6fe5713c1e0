// Simple templates (text and `{{ a.b }}`) are rendered without Handlebars: the output must be
// Handlebars' own, and everything else must still go to Handlebars.
import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { renderString } from '../../src/playbook/render.js';

const scope = {
  round: 3, name: 'web-1', ratio: 1.5, off: false, zero: 0, empty: '', neg: -0,
  port: { ssh: 22, 'x-y': 'dash' }, list: ['a', 'b'], nested: { deep: { v: 'ok' } }, nothing: null,
  'a-b': 'hyphen', json: 'a var named like a helper',
};
const handlebars = (t: string) => {
  const hb = Handlebars.create();
  hb.registerHelper('json', (v: unknown) => JSON.stringify(v));
  hb.registerHelper('join', (v: unknown, sep: unknown) => (Array.isArray(v) ? v.join(typeof sep === 'string' ? sep : ',') : String(v)));
  return hb.compile(t, { noEscape: true, strict: true })(scope);
};

describe('renderString', () => {
  it("gives Handlebars' output for every template, simple or not", () => {
    const templates = [
      'value {{ round }}\n', '{{name}}.{{ round }}', 'k{{ round }}={{ ratio }} {{ off }} {{ zero }} {{ neg }} [{{ empty }}]',
      '{{ port.ssh }} {{ port.x-y }} {{ a-b }}', '{{ list.1 }}', '{{ list.length }}', '{{ list }}', '{{ nested.deep.v }}',
      '{ {{ round }} }', '}} {{ round }} {{', '{{{ name }}}', '\\{{ name }}', '{{~ name ~}}', '{{! note }}{{ round }}',
      '{{#if off}}yes{{else}}no{{/if}} {{ round }}', '{{ json port }}', '{{ join list "-" }}', '{{ json }}', '{{ this.round }}',
      '{{ true }}', '{{ nested.deep }}', '{{ nothing }}', '{{ port/ssh }}', '{{ @root.round }}',
    ];
    const outcome = (f: () => string) => {
      try {
        return f();
      } catch {
        return 'throws';
      }
    };
    for (const t of templates) expect(outcome(() => renderString(t, scope, 'test')), t).toBe(outcome(() => handlebars(t)));
    // the cases that fail are Handlebars' own failures, and fail the same way
    expect(templates.filter((t) => outcome(() => handlebars(t)) === 'throws')).toEqual(['{{ list.1 }}', '}} {{ round }} {{', '{{ true }}']);
  });

  it('names an undefined variable, as Handlebars finds it', () => {
    expect(() => renderString('a {{ missing }}', scope, "task 'x'")).toThrow(/undefined variable 'missing' in task 'x'/);
    expect(() => renderString('a {{ port.nope }}', scope, "task 'x'")).toThrow(/undefined variable 'nope' in task 'x'/);
  });
});
