// -e key=value, -e '{"json": true}', -e @vars.yaml — as ansible-playbook takes them.
import { invalid } from '../errors.js';
import { parseYaml, readTextFile } from '../playbook/yaml-source.js';
import type { Vars } from '../types.js';

export function parseExtraVars(items: readonly string[], cwd: string): Vars {
  const out: Vars = {};
  for (const item of items) {
    if (item.startsWith('@')) {
      const file = item.slice(1);
      const path = file.startsWith('/') ? file : `${cwd}/${file}`;
      const v: unknown = parseYaml(readTextFile(path, 'extra vars file'), path, 'extra vars file').doc.toJS();
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(`-e ${item}: the file must hold a mapping of variables`);
      Object.assign(out, v);
    } else if (item.trim().startsWith('{')) {
      try {
        Object.assign(out, JSON.parse(item));
      } catch (e) {
        throw invalid(`-e ${item}: not valid JSON (${(e as Error).message})`);
      }
    } else {
      for (const pair of item.split(/\s+(?=[A-Za-z_][\w]*=)/)) {
        const i = pair.indexOf('=');
        if (i <= 0) throw invalid(`-e ${item}: expected key=value, JSON, or @file`);
        out[pair.slice(0, i)] = pair.slice(i + 1);
      }
    }
  }
  return out;
}
