// The one way fleet builds shell text. Every interpolated value is single-quoted; only values that
// are already Scripts (built by this module) are spliced in as-is.
import { encodeWord } from './manifest-word.js';

/** A piece of POSIX shell that fleet built itself. Construct only through `sh`, `raw` or `join`. */
export class Script {
  private constructor(
    private made: string | (() => string),
    /** the same step as one writer request (writer.ts), for runs of steps the writer does alone */
    readonly request?: WriterRequest,
  ) {}
  /** @internal use `sh`, `raw` or `join` */
  static of(text: string, request?: WriterRequest): Script {
    return new Script(text, request);
  }
  /** @internal a step whose shell text is built only when needed: a writer request's shell path is
   *  read neither by dry runs, nor by verification, nor by the writer */
  static lazy(text: () => string, request: WriterRequest): Script {
    return new Script(text, request);
  }
  get text(): string {
    if (typeof this.made !== 'string') this.made = this.made();
    return this.made;
  }
  toString(): string {
    return this.text;
  }
}

export class NulInShellValueError extends Error {
  constructor() {
    super('a value sent to a remote shell contains a NUL byte, which no shell can carry');
    this.name = 'NulInShellValueError';
  }
}

/** Single-quote a value for a POSIX shell: the result is always one word, byte for byte. */
export function quote(value: string | number): string {
  const s = String(value);
  if (s.includes('\0')) throw new NulInShellValueError();
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

type Interpolated = Script | string | number | readonly (Script | string | number)[];

function render(v: Interpolated): string {
  if (v instanceof Script) return v.text;
  if (Array.isArray(v)) return v.map((x) => render(x as Script | string | number)).join(' ');
  return quote(v as string | number);
}

/** Tagged template: literal parts are trusted shell, interpolations are quoted (arrays: one word each). */
export function sh(parts: TemplateStringsArray, ...values: Interpolated[]): Script {
  let out = parts[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (parts[i + 1] ?? '');
  });
  return Script.of(out);
}

/** Trusted shell text written in fleet's own source (never user input). */
export function raw(text: string): Script {
  return Script.of(text);
}

export function join(scripts: readonly Script[], sep = '\n'): Script {
  return Script.of(scripts.map((s) => s.text).join(sep));
}

/** Write `content` to `path` atomically: temp file in the same directory, then rename.
 *  Content travels base64-encoded so any bytes survive the shell. `validate` is a command from the
 *  playbook in which `%s` names the temp file (as Ansible's `validate`); it must pass before the rename.
 *  Where the apply script runs under the writer (writer.ts) it does the write in its own process;
 *  otherwise, or to validate, the shell does it. */
export function atomicWrite(path: string, content: string | Buffer, mode?: string, validate?: string): Script {
  const request = { op: 'W', path, mode, content: base64(content) } as const;
  const writer = !validate && writerCan(path, mode);
  // batched requests carry their content in the request line: only for contents that are small
  if (writer && request.content.length <= BATCH_CONTENT) return Script.lazy(() => writeStep(request, validate, writer).text, request);
  return writeStep(request, validate, writer);
}

/** The write as a shell step: through the writer where there is one (`writer`), else the shell's. */
function writeStep(request: WriterRequest & { op: 'W' }, validate: string | undefined, writer: boolean): Script {
  const { path, mode, content: b64 } = request;
  const check = validate ? `\n${validate.replace(/%s/g, '"$fleet_tmp"')}` : '';
  // Every process started here is paid once per host per file, so the temp name needs no mktemp:
  // the shell's pid makes it unique on the host, noclobber (O_EXCL) refuses anything already there,
  // and the here-document (which expands only $fleet_c: base64 has no other shell characters) needs
  // no printf pipeline. A failed write (disk full) says so and where, rather than base64's bare
  // "write error".
  const viaShell = sh`fleet_tmp=${path}.fleet-$$
trap 'rm -f "$fleet_tmp"' EXIT
set -C
base64 -d > "$fleet_tmp" <<FLEET_B64 || { echo "fleet: cannot write the new "${path}" (the old file is untouched); free space there: $(df -Pk "$(dirname -- "$fleet_tmp")" | awk 'NR==2 {print $4}') KiB" >&2; exit 1; }
$fleet_c
FLEET_B64
set +C
${mode ? sh`chmod ${mode} "$fleet_tmp"` : sh`if [ -e ${path} ]; then cp --attributes-only --preserve=mode,ownership ${path} "$fleet_tmp"; else chmod 0644 "$fleet_tmp"; fi`}${raw(check)}
sync "$fleet_tmp" 2>/dev/null || true
${backup(path)}
mv -f "$fleet_tmp" ${path}
trap - EXIT`;
  const set = sh`fleet_c=${raw(b64)}`;
  if (!writer) return join([set, viaShell]);
  return join([set, throughWriter(requestLine(request, '"$fleet_c"'), viaShell)]);
}

/** A write (content base64) or an owner/mode change the writer (writer.ts) can do by itself. */
export type WriterRequest =
  | { op: 'W'; path: string; mode?: string; content: string }
  | { op: 'A'; path: string; mode?: string; owner?: string; group?: string };

/** The request as the writer reads it: one line, every word base64, octal or `-` (the content word
 *  may be given as shell that expands to the base64). */
export function requestLine(r: WriterRequest, content = r.op === 'W' ? r.content : ''): string {
  const opt = (v: string | undefined) => (v ? base64(v) : '-');
  return r.op === 'W' ? `W ${base64(r.path)} ${r.mode ?? '-'} ${content} -` : `A ${base64(r.path)} ${r.mode ?? '-'} ${opt(r.owner)} ${opt(r.group)}`;
}

const BATCH_CONTENT = 64 * 1024;

/** Change a path's owner, group and mode (each only if given), through the writer where there is
 *  one. Owner before mode: a chown clears setuid and setgid bits. */
export function setAttrs(path: string, want: { mode?: string; owner?: string; group?: string }): Script {
  const viaShell = () => join([
    ...(want.owner ? [sh`chown ${want.owner} ${path}`] : []),
    ...(want.group ? [sh`chgrp ${want.group} ${path}`] : []),
    ...(want.mode ? [sh`chmod ${want.mode} ${path}`] : []),
  ]);
  if (!writerCan(path, want.mode)) return viaShell();
  const request: WriterRequest = { op: 'A', path, ...want };
  return Script.lazy(() => throughWriter(requestLine(request), viaShell()).text, request);
}

const base64 = (v: string | Buffer) => Buffer.from(v).toString('base64');
/** the writer takes absolute paths (its working directory is not the step's) and octal modes */
const writerCan = (path: string, mode?: string) => path.startsWith('/') && (mode === undefined || /^[0-7]{3,4}$/.test(mode));

/** A writer request (words fleet built: base64, octal, `-`, `"$fleet_c"`) where the apply script
 *  runs under the writer (writer.ts); `viaShell` where it does not. 3 is the writer's "failed, and
 *  said why". */
function throughWriter(request: string, viaShell: Script): Script {
  return sh`if { command -v fleet_put >/dev/null 2>&1 && fleet_put ${raw(request)}; }; then :; elif [ $? -eq 3 ]; then exit 1; else
${viaShell}
fi`;
}

/** Keep a path's previous content and mode in the run's backup directory before it is replaced or
 *  removed (the apply script defines `fleet_backup`; elsewhere this is a no-op). */
export function backup(path: string): Script {
  // with the path's manifest word (manifest-word.ts): no process on the host encodes it
  return sh`if command -v fleet_backup >/dev/null 2>&1; then fleet_backup ${path}${path.startsWith('/') ? sh` ${encodeWord(path)}` : sh``}; fi`;
}

/** Record a piece of state (package version, hold, service state) before it changes, for rollback. */
export function record(kind: string, ...words: string[]): Script {
  // each word encoded (manifest-word.ts): a value can never start a manifest line of its own
  return sh`if command -v fleet_record >/dev/null 2>&1; then fleet_record ${kind} ${words.map(encodeWord)}; fi`;
}
