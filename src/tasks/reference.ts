// The task reference (for `fleet tasks` and docs/tasks.md), generated from the argument schemas.
import { readFileSync } from 'node:fs';
import type { ObjectSchema, Schema } from '../schema/schema.js';
import type { TaskRegistry } from './registry.js';

/** `fleet tasks`: one line per task type, what it is for. */
export function taskIndex(registry: TaskRegistry): string {
  const all = registry.all();
  const width = Math.max(...all.map((t) => t.type.length));
  const lines = all.map((t) => `${t.type.padEnd(width)}  ${t.description.split(/(?<=\.)\s/)[0]}`);
  return `${lines.join('\n')}\n\nfleet tasks TYPE: its arguments, what it detects and changes, what it refuses, how to undo it\n`;
}

/** The full reference of every task (markdown for docs/), or of one (`only`; undefined when there
 *  is no such task). */
export function taskReference(registry: TaskRegistry, only?: string, markdown = false): string {
  const tasks = registry.all().filter((t) => !only || t.type === only);
  const out: string[] = [];
  for (const t of tasks) {
    const shape = (t.args as ObjectSchema<Record<string, Schema<unknown>>>).shape ?? {};
    if (markdown) {
      out.push(`## \`${t.type}\`\n\n${t.description}\n`);
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
      const extra = taskDoc(t.type);
      if (only && extra) out.push('', extra.replace(/^#+ /gm, '').replace(/`/g, ''));
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
