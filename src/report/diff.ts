// The only place a diff is rendered.
import { createTwoFilesPatch } from 'diff';
import type { FileDiff } from '../types.js';
import type { Style } from './style.js';

export function renderDiff(d: FileDiff, style: Style): string {
  const patch = createTwoFilesPatch(d.path, d.path, d.before, d.after, 'before', 'after', { context: 3 });
  return patch
    .split('\n')
    // drop jsdiff's "Index:" and "=====" header lines and the trailing empty line
    .filter((l, i, a) => !/^(Index: |=+$)/.test(l) && !(i === a.length - 1 && l === ''))
    .map((l) => {
      if (l.startsWith('+++') || l.startsWith('---')) return style.bold(l);
      if (l.startsWith('+')) return style.green(l);
      if (l.startsWith('-')) return style.red(l);
      if (l.startsWith('@@')) return style.cyan(l);
      return l;
    })
    .join('\n');
}
