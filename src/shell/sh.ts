// The one way fleet builds shell text. Every interpolated value is single-quoted; only values that
// are already Scripts (built by this module) are spliced in as-is.
import { randomBytes } from 'node:crypto';
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
 *  `expect` is what the file held when the write was planned (`absent`, or the sha256 of its bytes):
 *  right before the rename the file must still hold that, or the write fails "changed underneath"
 *  (another run, or a person, changed it since; their change is kept).
 *  Where the apply script runs under the writer (writer.ts) it does the write in its own process;
 *  otherwise, or to validate, the shell does it. Neither follows a symlink at `path` (the rename
 *  replaces a link) nor goes through a link on the way that another user owns. */
export function atomicWrite(path: string, content: string | Buffer, mode?: string, validate?: string, expect?: string): Script {
  const request = { op: 'W', path, mode, content: base64(content), ...(expect ? { expect } : {}) } as const;
  const writer = !validate && writerCan(path, mode);
  // batched requests carry their content in the request line: only for contents that are small
  if (writer && request.content.length <= BATCH_CONTENT) return Script.lazy(() => writeStep(request, validate, writer).text, request);
  return writeStep(request, validate, writer);
}

/** The write as a shell step: through the writer where there is one (`writer`), else the shell's. */
function writeStep(request: WriterRequest & { op: 'W' }, validate: string | undefined, writer: boolean): Script {
  const { path, mode, content: b64, expect } = request;
  const check = validate ? `\n${validate.replace(/%s/g, '"$fleet_tmp"')}` : '';
  const dir = dirOf(path);
  const name = path.slice(path.lastIndexOf('/') + 1);
  // The temp file: in the target's directory, a name no one on the host can guess (made here, not
  // from the shell's pid), created 0600 (or the final mode, if stricter) by an O_EXCL open
  // (noclobber) before any content is in it. The here-document (which expands only $fleet_c:
  // base64 has no other shell characters) needs no printf pipeline. A failed write (disk full)
  // says so and where, rather than base64's bare "write error".
  const tmp = `${dir === '/' ? '' : dir}/.${name.slice(0, 180)}.fleet-${randomBytes(8).toString('hex')}`;
  const viaShell = sh`${safeDirectory(path, dir)}
fleet_tmp=${tmp}
trap 'rm -f "$fleet_tmp"' EXIT
umask ${createMask(mode)}
set -C
base64 -d > "$fleet_tmp" <<FLEET_B64 || { echo "fleet: cannot write the new "${path}" (the old file is untouched); free space there: $(df -Pk "$(dirname -- "$fleet_tmp")" | awk 'NR==2 {print $4}') KiB" >&2; exit 1; }
$fleet_c
FLEET_B64
set +C
umask 022
${mode ? sh`chmod ${/^[0-7]{3,4}$/.test(mode) ? mode : `u=rw,go=r,${mode}`} "$fleet_tmp"` : sh`if [ -f ${path} ] && [ ! -L ${path} ]; then cp --attributes-only --preserve=mode,ownership ${path} "$fleet_tmp"; else chmod 0644 "$fleet_tmp"; fi`}${raw(check)}
sync "$fleet_tmp" 2>/dev/null || true
${unchanged(path, expect)}${backup(path)}
mv -f "$fleet_tmp" ${path}
trap - EXIT`;
  const set = sh`fleet_c=${raw(b64)}`;
  if (!writer) return join([set, viaShell]);
  return join([set, throughWriter(requestLine(request, '"$fleet_c"'), viaShell)]);
}

const dirOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) || '/' : '.');

/** The umask that creates a file 0600, or with the final mode where that is stricter. */
export function createMask(mode: string | undefined): string {
  const m = mode && /^[0-7]{3,4}$/.test(mode) ? parseInt(mode, 8) & 0o600 : 0o600;
  return `0${((~m & 0o777) >>> 0 & 0o777).toString(8).padStart(3, '0')}`;
}

/** Shell that fails the step unless the file still holds what the write was planned on. */
function unchanged(path: string, expect: string | undefined): Script {
  const fail = (what: string) => sh`{ echo "fleet: "${path}" changed underneath since it was planned (${raw(what)}); it is left as it is" >&2; exit 1; }`;
  if (!expect) return sh``;
  if (expect === 'absent') return sh`if [ -e ${path} ] || [ -L ${path} ]; then ${fail('it exists now')}; fi
`;
  return sh`if [ -L ${path} ] || [ ! -f ${path} ]; then ${fail('it is no longer that regular file')}; fi
case $(sha256sum < ${path}) in ${`${expect}  -`}) ;; *) ${fail('its content differs')} ;; esac
`;
}

/** The shell path writes only where no other user can change anything on the way: the
 *  directories as given (a link there must be root's or ours) and the real directory and each
 *  directory above it (owned by root or us, writable by no one else unless sticky). The writer
 *  (writer.ts) can write safely even where other users can change things; a shell cannot (every
 *  command takes a name, which such a user can point elsewhere between two commands). One stat
 *  and one awk per write, and one `id -u` per script: the shell path is the fallback. */
function safeDirectory(path: string, dir: string): Script {
  const given = givenPrefixes(dir);
  return sh`fleet_d=$(cd -P -- ${dir} && pwd) || { echo "fleet: "${path}": its directory is missing" >&2; exit 1; }
set -- ${given} "$fleet_d"; fleet_r=$fleet_d
while [ "$fleet_r" != / ]; do fleet_r=\${fleet_r%/*}; fleet_r=\${fleet_r:-/}; set -- "$@" "$fleet_r"; done
fleet_me=\${fleet_me:-$(id -u)}
fleet_w=$(stat -c '%u:%g:%a:%F:%n' -- "$@" | awk -F: -v me="$fleet_me" ${AWK_UNSAFE})
if [ -n "$fleet_w" ]; then echo "fleet: not changing "${path}" from the shell: $fleet_w, so another user could redirect the write (fleet's perl writer does it safely: install perl, or leave out validate and symbolic modes)" >&2; exit 1; fi`;
}

/** stat lines `UID:GID:MODE:TYPE:NAME`: the first one another user controls, said in words */
const AWK_UNSAFE = `{ n = $0; sub(/^[^:]*:[^:]*:[^:]*:[^:]*:/, "", n); a = $3; l = length(a)
  g = substr(a, l - 1, 1) % 4 >= 2; o = substr(a, l, 1) % 4 >= 2; st = l == 4 && substr(a, 1, 1) % 2 == 1
  if ($1 != 0 && $1 != me) { print n " belongs to uid " $1; exit }
  if ($4 != "symbolic link" && !st && (o || (g && $2 != 0))) { print n " is writable by " (o ? "every user" : "group " $2); exit } }`;

/** The directories leading to `dir` as given, `dir` included. */
function givenPrefixes(dir: string): string[] {
  const parts = dir.split('/');
  return parts.flatMap((p, i) => (p === '' || p === '.' ? [] : [parts.slice(0, i + 1).join('/')]));
}

/** A write (content base64) or an owner/mode change the writer (writer.ts) can do by itself. */
export type WriterRequest =
  | { op: 'W'; path: string; mode?: string; content: string; expect?: string }
  | { op: 'A'; path: string; mode?: string; owner?: string; group?: string };

/** The request as the writer reads it: one line, every word base64, octal, a sha256, `absent` or
 *  `-` (the content word may be given as shell that expands to the base64). */
export function requestLine(r: WriterRequest, content = r.op === 'W' ? r.content : ''): string {
  const opt = (v: string | undefined) => (v ? base64(v) : '-');
  return r.op === 'W' ? `W ${base64(r.path)} ${r.mode ?? '-'} ${content} ${r.expect ?? '-'}` : `A ${base64(r.path)} ${r.mode ?? '-'} ${opt(r.owner)} ${opt(r.group)}`;
}

const BATCH_CONTENT = 64 * 1024;

/** Change a path's owner, group and mode (each only if given), through the writer where there is
 *  one. Owner before mode: a chown clears setuid and setgid bits. Never through a symlink: the
 *  owner of a link is the link's (chown -h), and a link's mode is refused (chmod would change
 *  what it points to); the shell does it only where no other user can change the way. */
export function setAttrs(path: string, want: { mode?: string; owner?: string; group?: string }): Script {
  const viaShell = () => join([
    safeDirectory(path, dirOf(path)),
    sh`if [ -L ${path} ]; then echo "fleet: "${path}" is a symlink: fleet does not change what a link points to" >&2; exit 1; fi`,
    ...(want.owner ? [sh`chown -h ${want.owner} ${path}`] : []),
    ...(want.group ? [sh`chgrp -h ${want.group} ${path}`] : []),
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
