// Python's ast.literal_eval for one line, as Ansible's INI inventory types every value with it
// (plugins/inventory/ini.py _parse_value): numbers (1_000, 0x10, 0o17, 0b1, 1e3, .5), strings in
// any quotes with escapes, adjacent strings joined, True/False/None, lists, tuples, dicts, sets,
// unary +/-, a trailing # comment. Anything else (0644, yes, a bare word) is not a literal: the
// caller keeps the text. Pure.

export const NOT_LITERAL = Symbol('not a Python literal');

class Fail extends Error {}

export function pyLiteral(text: string): unknown {
  try {
    const p = new Parser(text.replace(/^[ \t]+/, ''));
    const v = p.value();
    p.end();
    return v;
  } catch (e) {
    if (e instanceof Fail) return NOT_LITERAL;
    throw e;
  }
}

const NUMBER = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*)?\.\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?[jJ]?|\d(?:_?\d)*\.?(?:[eE][+-]?\d(?:_?\d)*)?[jJ]?)/;

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  private ws(): void {
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === ' ' || c === '\t' || c === '\f') this.i++;
      else if (c === '#') this.i = this.s.length;
      else if (c === '\\' && this.s[this.i + 1] === undefined) throw new Fail();
      else break;
    }
  }

  end(): void {
    this.ws();
    if (this.i < this.s.length) throw new Fail();
  }

  private peek(): string | undefined {
    this.ws();
    return this.s[this.i];
  }

  private eat(c: string): boolean {
    if (this.peek() === c) {
      this.i++;
      return true;
    }
    return false;
  }

  value(): unknown {
    const c = this.peek();
    if (c === undefined) throw new Fail();
    if (c === '[') return this.seq(']');
    if (c === '(') {
      this.i++;
      if (this.eat(')')) return [];
      const first = this.value();
      if (this.eat(')')) return first; // parentheses, not a tuple
      if (!this.eat(',')) throw new Fail();
      return [first, ...this.items(')')];
    }
    if (c === '{') return this.dict();
    if (c === '-' || c === '+') {
      this.i++;
      const v = this.value();
      if (typeof v !== 'number') throw new Fail();
      return c === '-' ? -v : v;
    }
    const word = /^[A-Za-z_]\w*/.exec(this.s.slice(this.i))?.[0];
    if (this.s.startsWith('set()', this.i)) {
      this.i += 5;
      return []; // the empty set, as a list (JSON has no sets)
    }
    if (word !== undefined && !/^[rRbBuUfF]{1,2}['"]/.test(this.s.slice(this.i))) {
      this.i += word.length;
      if (word === 'True') return true;
      if (word === 'False') return false;
      if (word === 'None') return null;
      throw new Fail();
    }
    if (/^[rRbBuU]{0,2}['"]/.test(this.s.slice(this.i))) {
      let out = this.str();
      while (/^[rRbBuU]{0,2}['"]/.test(this.s.slice(this.i).replace(/^[ \t]+/, ''))) {
        this.ws();
        out += this.str();
      }
      return out;
    }
    const m = NUMBER.exec(this.s.slice(this.i));
    if (!m) throw new Fail();
    const t = m[0].replace(/_/g, '');
    this.i += m[0].length;
    if (/[jJ]$/.test(t)) throw new Fail(); // complex: not representable, keep the text
    if (/[a-zA-Z_]/.test(this.s[this.i] ?? '')) throw new Fail();
    if (/^0[xX]/.test(t)) return Number.parseInt(t.slice(2), 16);
    if (/^0[oO]/.test(t)) return Number.parseInt(t.slice(2), 8);
    if (/^0[bB]/.test(t)) return Number.parseInt(t.slice(2), 2);
    if (/^0\d*[1-9]/.test(t) && !/[.eE]/.test(t)) throw new Fail(); // 0644: a SyntaxError in Python 3
    return Number(t);
  }

  private seq(close: string): unknown[] {
    this.i++;
    return this.items(close);
  }

  /** comma-separated values up to `close`, a trailing comma allowed */
  private items(close: string): unknown[] {
    const out: unknown[] = [];
    for (;;) {
      if (this.eat(close)) return out;
      out.push(this.value());
      if (this.eat(close)) return out;
      if (!this.eat(',')) throw new Fail();
    }
  }

  private dict(): unknown {
    this.i++;
    if (this.eat('}')) return {};
    const first = this.value();
    if (this.peek() !== ':') {
      // a set: JSON has none; Ansible would print it as a list
      if (this.eat('}')) return [first];
      if (!this.eat(',')) throw new Fail();
      return [first, ...this.items('}')];
    }
    const out: Record<string, unknown> = {};
    let key: unknown = first;
    for (;;) {
      if (!this.eat(':')) throw new Fail();
      const v = this.value();
      if (typeof key === 'object' && key !== null) throw new Fail();
      Object.defineProperty(out, String(key), { value: v, enumerable: true, writable: true, configurable: true });
      if (this.eat('}')) return out;
      if (!this.eat(',')) throw new Fail();
      if (this.eat('}')) return out;
      key = this.value();
    }
  }

  private str(): string {
    const prefix = /^[rRbBuU]{0,2}/.exec(this.s.slice(this.i))![0];
    const raw = /r/i.test(prefix);
    this.i += prefix.length;
    const q = this.s.startsWith("'''", this.i) || this.s.startsWith('"""', this.i) ? this.s.slice(this.i, this.i + 3) : this.s[this.i]!;
    this.i += q.length;
    let out = '';
    for (;;) {
      if (this.i >= this.s.length) throw new Fail();
      if (this.s.startsWith(q, this.i)) {
        this.i += q.length;
        return out;
      }
      const c = this.s[this.i]!;
      if (c === '\\') {
        const n = this.s[this.i + 1];
        if (n === undefined) throw new Fail();
        if (raw) {
          out += c + n;
          this.i += 2;
          continue;
        }
        this.i += 2;
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };
        if (n in simple) out += simple[n];
        else if (n === 'x' && /^[0-9a-fA-F]{2}/.test(this.s.slice(this.i))) (out += String.fromCharCode(Number.parseInt(this.s.slice(this.i, this.i + 2), 16))), (this.i += 2);
        else if (/[0-7]/.test(n)) {
          const oct = /^[0-7]{0,2}/.exec(this.s.slice(this.i))![0];
          out += String.fromCharCode(Number.parseInt(n + oct, 8));
          this.i += oct.length;
        } else if ((n === 'u' || n === 'U') && !/b/i.test(prefix)) {
          const len = n === 'u' ? 4 : 8;
          const hex = this.s.slice(this.i, this.i + len);
          if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw new Fail();
          out += String.fromCodePoint(Number.parseInt(hex, 16));
          this.i += len;
        } else out += `\\${n}`;
        continue;
      }
      out += c;
      this.i++;
    }
  }
}
