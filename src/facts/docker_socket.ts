// Where dockerd listens and with which TLS material: daemon.json, the systemd unit (and the
// DOCKER_OPTS its environment file sets), `ss -ltnp` for the ports dockerd really holds, and the
// certificates it names (plus their neighbours and root's ~/.docker, where client certificates live),
// each read with `openssl x509 -noout -text`. Nothing is installed: no openssl, no certificate check.
import { createHash } from 'node:crypto';
import { sh } from '../shell/sh.js';
import type { Fact } from '../types.js';
import { parseX509Text, type X509Info } from './x509.js';
import { records } from './records.js';

export interface CertFile extends X509Info {
  path: string;
}

export interface DockerSocketState {
  installed: boolean;
  /** /etc/docker/daemon.json as text, when readable */
  daemonJson?: string;
  /** `systemctl cat docker.service`, when systemd manages docker */
  unit?: string;
  /** /etc/default/docker (Debian's unit reads DOCKER_OPTS from it) */
  defaults?: string;
  /** `ss` ran */
  ss: boolean;
  /** local addresses dockerd listens on over TCP, as ss prints them ('0.0.0.0:2375', '*:2376') */
  listeners: string[];
  openssl: boolean;
  certs: CertFile[];
  /** the host's clock, epoch seconds (planning stays pure) */
  now: number;
}

const b64 = (s: string | undefined) => (s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8'));

/** `extra`: more certificate paths to read (client certificates kept elsewhere). */
export function dockerSocketFact(extra: readonly string[] = []): Fact<DockerSocketState> {
  const id = createHash('sha256').update(JSON.stringify(extra)).digest('hex').slice(0, 12);
  return {
    key: `docker:socket:${id}`,
    // a template literal: backslashes meant for the shell are doubled
    probe: sh`command -v dockerd >/dev/null || exit 0
echo installed=1
echo "now=$(date +%s)"
J=/etc/docker/daemon.json
[ -r $J ] && { printf 'json='; base64 -w0 < $J; echo; }
if [ -d /run/systemd/system ]; then printf 'unit='; systemctl cat docker.service 2>/dev/null | base64 -w0; echo; fi
[ -r /etc/default/docker ] && { printf 'defaults='; base64 -w0 < /etc/default/docker; echo; }
if command -v ss >/dev/null; then echo ss=1; ss -ltnpH 2>/dev/null | awk '/"dockerd"/ {print "listen=" $4}'; fi
command -v openssl >/dev/null || exit 0
echo openssl=1
# the paths daemon.json and dockerd's command line name, their directories, root's ~/.docker
pid=$(pidof dockerd 2>/dev/null | cut -d' ' -f1)
named=$( { sed -n -e 's/.*"tlscacert"[[:space:]]*:[[:space:]]*"\\([^"]*\\)".*/\\1/p' -e 's/.*"tlscert"[[:space:]]*:[[:space:]]*"\\([^"]*\\)".*/\\1/p' $J 2>/dev/null
  [ -n "$pid" ] && tr '\\0' '\\n' < /proc/$pid/cmdline | awk '/^--tls(ca)?cert=/ {sub(/^[^=]*=/, ""); print} /^--tls(ca)?cert$/ {getline; print}'; } )
for f in $named ${extra} /root/.docker/*.pem; do echo "$f"; d=$(dirname "$f"); ls "$d"/*.pem "$d"/*.crt 2>/dev/null; done | sort -u | while read -r f; do
  [ -f "$f" ] || continue
  t=$(openssl x509 -in "$f" -noout -text 2>/dev/null) || continue
  printf 'cert=%s|%s\n' "$(printf %s "$f" | base64 -w0)" "$(printf '%s\n' "$t" | base64 -w0)"
done
true`,
    fingerprint: (v) => ({ ...v, now: undefined }),
    parse: parseDockerSocket,
  };
}

export function parseDockerSocket(out: string): DockerSocketState {
  const { get, all } = records(out);
  const certs: CertFile[] = all('cert').map((c) => {
    const [p = '', t = ''] = c.split('|');
    return { path: b64(p)!, ...parseX509Text(b64(t)!) };
  });
  return {
    installed: get('installed') === '1',
    daemonJson: b64(get('json')),
    unit: b64(get('unit')),
    defaults: b64(get('defaults')),
    ss: get('ss') === '1',
    listeners: all('listen'),
    openssl: get('openssl') === '1',
    certs,
    now: Number(get('now') ?? 0),
  };
}

/** The TLS material an enforcing docker_socket_tls is told to use, checked before dockerd gets it:
 *  what exists, the chain (`openssl verify`), and whether the key is the certificate's. */
export interface TlsFilesState {
  openssl: boolean;
  /** role -> `stat` of the file ('600 root'), absent when it is not a regular file */
  files: Partial<Record<'ca' | 'cert' | 'key', { mode: string; owner: string }>>;
  /** `openssl verify -CAfile CA CERT` passed; its last line when it did not */
  verified: boolean;
  verifyOutput: string;
  /** the key's public key is the certificate's (an encrypted key never matches: dockerd cannot read it) */
  keyMatches: boolean;
}

export interface TlsPaths {
  cacert: string;
  cert: string;
  key: string;
}

/** undefined paths (not enforcing TLS): a probe that reads nothing. */
export function dockerTlsFilesFact(p: TlsPaths | undefined): Fact<TlsFilesState | undefined> {
  if (!p) return { key: 'docker:tls-files:none', inline: true, probe: sh`:`, parse: () => undefined };
  const id = createHash('sha256').update(JSON.stringify([p.cacert, p.cert, p.key])).digest('hex').slice(0, 12);
  return {
    key: `docker:tls-files:${id}`,
    probe: sh`for r in ca cert key; do
  case $r in ca) f=${p.cacert} ;; cert) f=${p.cert} ;; key) f=${p.key} ;; esac
  [ -f "$f" ] && echo "file=$r $(stat -L -c '%a %U' "$f")"
done
command -v openssl >/dev/null || exit 0
echo openssl=1
v=$(openssl verify -CAfile ${p.cacert} ${p.cert} 2>&1) && echo verified=1
printf 'verify=%s\\n' "$(printf '%s' "$v" | base64 -w0)"
# the public key of both, PEM: equal only when the key belongs to the certificate (-passin: never prompt)
c=$(openssl x509 -in ${p.cert} -noout -pubkey 2>/dev/null)
k=$(openssl pkey -in ${p.key} -passin pass: -pubout 2>/dev/null)
[ -n "$c" ] && [ "$c" = "$k" ] && echo keymatch=1
true`,
    parse: parseTlsFiles,
  };
}

export function parseTlsFiles(out: string): TlsFilesState {
  const { get, all } = records(out);
  const files: TlsFilesState['files'] = {};
  for (const l of all('file')) {
    const [role = '', mode = '', owner = ''] = l.split(' ');
    if (role === 'ca' || role === 'cert' || role === 'key') files[role] = { mode, owner };
  }
  return {
    openssl: get('openssl') === '1',
    files,
    verified: get('verified') === '1',
    verifyOutput: b64(get('verify')) ?? '',
    keyMatches: get('keymatch') === '1',
  };
}
