// YAML documents that remember where every node came from, so any later error can say file:line:col.
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, visit, type Node, type Document } from 'yaml';
import { invalid } from '../errors.js';
import { readInputFile, type InputFileOptions } from '../util/input-file.js';
import type { SourceLoc } from '../types.js';
import { closest } from '../util/suggest.js';
import { SECRET_TAGS, secretTags } from '../secrets/yaml-tags.js';
import { pyyamlTags } from './yaml11.js';

const MAX_BYTES = 16 * 1024 * 1024;

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** location of a node (its value start) */
  loc(node: unknown): SourceLoc;
  /** location of the node at `path` below `node`, as deep as it exists */
  locAt(node: unknown, path: (string | number)[], atKey?: boolean): SourceLoc;
}

export function readTextFile(file: string, what: string, o: Pick<InputFileOptions, 'directoryHint'> = {}): string {
  const buf = readInputFile(file, what, { maxBytes: MAX_BYTES, ...o });
  if (buf.includes(0)) throw invalid(`${what} ${file} is not a text file (it contains NUL bytes)`);
  return buf.toString('utf8');
}

export function parseYaml(text: string, file: string, what: string): YamlSource {
  if (text.trim() === '') throw invalid(`${what} ${file} is empty`, { file, line: 1, column: 1 });
  const lines = new LineCounter();
  // YAML 1.1 as PyYAML reads it, as Ansible does (yaml11.ts); !secret, !env and !file: secret
  // values (src/secrets/), resolved relative to this file
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, version: '1.1', schema: 'yaml-1.1', merge: true, customTags: pyyamlTags(secretTags(dirname(resolve(file)))) });
  const at = (offset: number): SourceLoc => {
    const p = lines.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  const err = doc.errors[0];
  // a failed tag (an unset !env variable, an unreadable !file) is not a syntax error: say what it is
  if (err) throw invalid(`${err.code === 'TAG_RESOLVE_FAILED' ? '' : 'invalid YAML: '}${err.message.split('\n')[0]}`, at(err.pos[0]));
  // an unknown tag would silently be a plain string: a typo of !secret must not publish a secret
  const unknownTag = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (unknownTag) {
    const tag = /Unresolved tag: (\S+)/.exec(unknownTag.message)?.[1] ?? '';
    const near = closest(tag, SECRET_TAGS);
    throw invalid(`unknown YAML tag ${tag}${near ? ` (did you mean ${near}?)` : ''}; fleet knows ${SECRET_TAGS.join(', ')}`, at(unknownTag.pos[0]));
  }
  // aliases resolve only when the document is converted; find the broken ones here, with a location
  visit(doc, {
    Alias(_, node) {
      if (!node.resolve(doc)) throw invalid(`invalid YAML: alias *${node.source} has no anchor &${node.source} before it`, at(node.range?.[0] ?? 0));
    },
  });
  try {
    doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    throw invalid(`invalid YAML: ${(e as Error).message.split('\n')[0]}`, { file, line: 1, column: 1 });
  }
  const loc = (node: unknown): SourceLoc => {
    const range = (node as Node | undefined)?.range;
    return range ? at(range[0]) : { file, line: 1, column: 1 };
  };
  const locAt = (node: unknown, path: (string | number)[], atKey = false): SourceLoc => {
    let cur: unknown = node;
    for (const [i, key] of path.entries()) {
      if (isMap(cur)) {
        const pair = cur.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
        if (!pair) break;
        cur = atKey && i === path.length - 1 ? pair.key : (pair.value ?? pair.key);
      } else if (isSeq(cur) && typeof key === 'number' && cur.items[key]) {
        cur = cur.items[key];
      } else break;
    }
    return loc(cur);
  };
  return { file, doc, lines, loc, locAt };
}

/** The key node of `key` in a map node, for "unknown key" messages. */
export function keyNode(map: unknown, key: string): unknown {
  if (!isMap(map)) return undefined;
  const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  return pair?.key;
}
