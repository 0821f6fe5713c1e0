// One word of a line of the run-state manifest (engine/backups.ts, engine/manifest.ts). Every byte
// outside a small safe set is written %XX, so a word never holds a space, a newline or any other
// control character: a value from the playbook cannot start a manifest line of its own, whatever it
// contains. Paths stay readable (/etc/docker/daemon.json is written as it is).

/** the bytes written as themselves; the writer (writer.ts) and the apply header use the same set */
export const SAFE_BYTE = /^[A-Za-z0-9/._+:@=~,-]$/;

export function encodeWord(value: string | Buffer): string {
  let out = '';
  for (const b of Buffer.from(value)) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && SAFE_BYTE.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The bytes of a word; undefined when it is not a word fleet writes (any %XX is read, in any case). */
export function decodeWord(word: string): Buffer | undefined {
  if (!/^(?:[A-Za-z0-9/._+:@=~,-]|%[0-9A-Fa-f]{2})*$/.test(word)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < word.length; i++) {
    if (word[i] === '%') {
      bytes.push(parseInt(word.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(word.charCodeAt(i));
  }
  return Buffer.from(bytes);
}
