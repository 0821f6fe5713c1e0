// The task reference (for `fleet tasks` and the README), generated from the argument schemas.
import { readFileSync } from 'node:fs';
import type { ObjectSchema, Schema } from '../schema/schema.js';
import type { TaskRegistry } from './registry.js';

export function taskReference(registry: TaskRegistry, only?: string, markdown = false): string {
  const tasks = registry.all().filter((t) => !only || t.type === only);
  if (only && tasks.length === 0) return `unknown task type '${only}'; known: ${registry.types().join(', ')}\n`;
  const out: string[] = [];
  for (const t of tasks) {
    const shape = (t.args as ObjectSchema<Record<string, Schema<unknown>>>).shape ?? {};
    if (markdown) {
      out.push(`### \`${t.type}\`\n\n${t.description}\n`);
      out.push('| argument | type | default | meaning |\n|---|---|---|---|');
      for (const [k, s] of Object.entries(shape)) {
        const def = s.defaultValue !== undefined ? `\`${JSON.stringify(s.defaultValue)}\`` : s.optional ? '' : '**required**';
        out.push(`| \`${k}\`${t.freeForm === k ? ' (free form)' : ''} | ${s.describe.replace(/\|/g, '\\|')} | ${def} | ${(s.doc ?? '').replace(/\|/g, '\\|')} |`);
      }
      const extra = taskDoc(t.type);
      if (extra) out.push('', extra);
      out.push('');
    } else {
      out.push(`${t.type} — ${t.description}`);
      for (const [k, s] of Object.entries(shape)) {
        const def = s.defaultValue !== undefined ? ` (default ${JSON.stringify(s.defaultValue)})` : s.optional ? '' : ' (required)';
        out.push(`  ${k}: ${s.describe}${def}${s.doc ? ` — ${s.doc}` : ''}`);
      }
      out.push('');
    }
  }
  return `${out.join('\n')}\n`;
}

/** The hand-written part of a task's documentation (docs/tasks/TYPE.md): what it detects, what
 *  it changes, how to undo it. */
function taskDoc(type: string): string | undefined {
  try {
    return readFileSync(new URL(`../../docs/tasks/${type}.md`, import.meta.url), 'utf8').trim();
  } catch {
    return undefined;
  }
}
