// One INI inventory line -> words, as Ansible's shlex.split(line, comments=True) would split it,
// keeping each word's column for error messages. Pure.

export interface Word {
  text: string;
  /** 1-based column where the word starts */
  col: number;
}

export class LineSyntaxError extends Error {
  constructor(message: string, readonly col: number) {
    super(message);
  }
}

export function splitIniLine(line: string): Word[] {
  const words: Word[] = [];
  let cur: Word | undefined;
  let i = 0;
  const start = () => (cur ??= { text: '', col: i + 1 });
  while (i < line.length) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const open = i;
      start();
      i++;
      while (i < line.length && line[i] !== c) {
        if (c === '"' && line[i] === '\\' && i + 1 < line.length) i++;
        cur!.text += line[i]!;
        i++;
      }
      if (i >= line.length) throw new LineSyntaxError(`unterminated ${c === '"' ? 'double' : 'single'} quote; close it or remove it`, open + 1);
      i++;
    } else if (/\s/.test(c)) {
      if (cur) words.push(cur);
      cur = undefined;
      i++;
    } else if (c === '#') break; // a comment, outside quotes
    else if (c === '\\' && i + 1 < line.length) {
      start().text += line[i + 1]!;
      i += 2;
    } else {
      start().text += c;
      i++;
    }
  }
  if (cur) words.push(cur);
  return words;
}
