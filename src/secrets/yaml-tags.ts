// YAML tags that make a value secret: `!secret VALUE`, `!env NAME` (an environment variable) and
// `!file PATH` (a file's contents, relative to the YAML file). Values are registered as secrets the
// moment they are parsed; a failure is reported by the YAML parser at the tag's file:line:column.
import { readInputFile } from '../util/input-file.js';
import { resolve } from 'node:path';
import type { ScalarTag } from 'yaml';
import { registerSecret } from './registry.js';

export const SECRET_TAGS = ['!secret', '!env', '!file'] as const;
const MAX_FILE = 1024 * 1024;

const secret = (v: string): string => {
  registerSecret(v);
  return v;
};

/** The tags for one YAML file (`!file` paths are relative to its directory). */
export function secretTags(dir: string): ScalarTag[] {
  return [
    { tag: '!secret', resolve: (v) => secret(v) },
    {
      tag: '!env',
      resolve(name, onError) {
        const key = name.trim();
        const v = process.env[key];
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) onError(`!env needs an environment variable name, got '${key}'`);
        else if (v === undefined) onError(`environment variable ${key} is not set (wanted by !env ${key})`);
        else return secret(v);
        return '';
      },
    },
    {
      tag: '!file',
      resolve(path, onError) {
        const full = resolve(dir, path.trim());
        try {
          // one trailing newline is the file's end, not part of the secret
          return secret(readInputFile(full, '!file', { maxBytes: MAX_FILE }).toString('utf8').replace(/\r?\n$/, ''));
        } catch (e) {
          onError((e as Error).message);
          return '';
        }
      },
    },
  ];
}
