// What answers DNS on this host: every socket on port 53 and its program, dnsmasq's own config
// (the option lines of the files it reads), systemd-resolved's upstreams and, when it runs, the
// servers and routing domains it really uses (`resolvectl`, not the files), and (for
// verification) whether a name resolves through the host's resolver.
import { raw, sh } from '../shell/sh.js';
import type { Fact } from '../types.js';

export interface DnsListener {
  proto: 'udp' | 'tcp';
  /** as bound: 127.0.0.1, 10.0.0.5, 0.0.0.0, ::, ::1 (no brackets, no %device) */
  address: string;
  /** the program bound there, when `ss -p` says (e.g. 'dnsmasq') */
  program?: string;
  pid?: number;
}

export interface DnsmasqLine {
  /** the config file the line is in */
  path: string;
  /** the option line, trimmed (e.g. 'server=10.0.0.2') */
  line: string;
}

export interface ResolvedLink {
  name: string;
  servers: string[];
  domains: string[];
}

export interface ResolvedState {
  /** `resolvectl dns`'s Global line: the servers every link falls back to */
  global: string[];
  globalDomains: string[];
  links: ResolvedLink[];
}

export interface DnsState {
  /** something is bound to 127.0.0.1:53 (udp), or to 0.0.0.0:53 which covers it */
  listening: boolean;
  /** the program bound there, when `ss -p` says (e.g. 'dnsmasq') */
  listener?: string;
  /** every socket listening on port 53, udp and tcp */
  listeners: DnsListener[];
  /** the dnsmasq service's own process (systemd's MainPID, or its pid file), when a dnsmasq listens:
   *  other dnsmasq processes (libvirt's, per bridge) have their own config and are not its business */
  dnsmasqPid?: number;
  /** the servers systemd-resolved forwards to (/run/systemd/resolve/resolv.conf); [] without it */
  resolvedUpstreams: string[];
  /** systemd-resolved as it runs; absent when it does not */
  resolved?: ResolvedState;
  /** dnsmasq's option lines (/etc/dnsmasq.conf and /etc/dnsmasq.d), comments and blanks left out */
  dnsmasqConf: DnsmasqLine[];
}

/** Probe output, one item a line: `l=PROTO LOCAL PROCESS` per :53 socket, `resolved=IP` per
 *  upstream, `c=PATH<TAB>LINE` per dnsmasq option, `rd=`/`rm=` then resolvectl's dns/domain. */
export function dnsStateFact(): Fact<DnsState> {
  return {
    key: 'dns:state',
    probe: raw(`fleet_l=$(ss -H -lntup 2>/dev/null | awk '$5 ~ /:53$/ { print "l=" $1 " " $5 " " $NF }')
[ -n "$fleet_l" ] && printf '%s\\n' "$fleet_l"
case "$fleet_l" in *'"dnsmasq"'*)
  if [ -d /run/systemd/system ]; then echo "mainpid=$(systemctl show -p MainPID --value dnsmasq 2>/dev/null)"; elif [ -r /run/dnsmasq/dnsmasq.pid ]; then echo "mainpid=$(cat /run/dnsmasq/dnsmasq.pid)"; fi ;;
esac
[ -f /run/systemd/resolve/resolv.conf ] && awk '$1 == "nameserver" { print "resolved=" $2 }' /run/systemd/resolve/resolv.conf
set -- /etc/dnsmasq.conf
for f in /etc/dnsmasq.d/*; do case "$f" in *.dpkg-*|*~|*/.*) ;; *) [ -f "$f" ] && set -- "$@" "$f" ;; esac; done
[ -f /etc/dnsmasq.conf ] || shift
[ $# -gt 0 ] && awk '!/^[ \\t]*(#|$)/ { sub(/^[ \\t]+/, ""); sub(/[ \\t]+$/, ""); print "c=" FILENAME "\\t" $0 }' "$@" 2>/dev/null
if [ -d /run/systemd/resolve ] && command -v resolvectl >/dev/null 2>&1 && systemctl is-active -q systemd-resolved 2>/dev/null; then
  resolvectl dns 2>/dev/null | sed 's/^/rd=/'; resolvectl domain 2>/dev/null | sed 's/^/rm=/'
fi
true`),
    parse: parseDnsState,
    // pids change with every restart: a saved plan depends on who listens where, not on them
    fingerprint: (v) => ({ ...v, dnsmasqPid: undefined, listeners: v.listeners.map(({ pid: _pid, ...l }) => l) }),
  };
}

const bare = (a: string) => a.replace(/^\[|\]$/g, '').replace(/%.*$/, '');

export function parseDnsState(out: string): DnsState {
  const lines = out.split('\n');
  const listeners: DnsListener[] = [];
  for (const l of lines.filter((x) => x.startsWith('l='))) {
    const [proto = '', local = '', proc = ''] = l.slice(2).trim().split(/\s+/);
    if (proto !== 'udp' && proto !== 'tcp') continue;
    const address = bare(local.replace(/:53$/, ''));
    const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(proc);
    listeners.push({ proto, address: address === '*' ? '0.0.0.0' : address, ...(m ? { program: m[1]!, pid: Number(m[2]) } : {}) });
  }
  const local = listeners.find((x) => x.proto === 'udp' && (x.address === '127.0.0.1' || x.address === '0.0.0.0'));
  const state: DnsState = {
    listening: local !== undefined,
    listeners,
    resolvedUpstreams: lines.filter((l) => l.startsWith('resolved=')).map((l) => l.slice(9).trim()),
    dnsmasqConf: lines.filter((l) => l.startsWith('c=')).map((l) => {
      const [path = '', ...rest] = l.slice(2).split('\t');
      return { path, line: rest.join('\t') };
    }),
  };
  if (local?.program) state.listener = local.program;
  const pid = Number(lines.find((l) => l.startsWith('mainpid='))?.slice(8).trim());
  if (pid > 0) state.dnsmasqPid = pid;
  const rd = lines.filter((l) => l.startsWith('rd=')).map((l) => l.slice(3));
  if (rd.length) {
    const dom = lines.filter((l) => l.startsWith('rm=')).map((l) => l.slice(3));
    const entries = (ls: string[]) => ls.flatMap((l) => {
      const m = /^(Global|Link \d+ \(([^)]+)\)):\s*(.*)$/.exec(l.trim());
      return m ? [{ name: m[2] ?? '', values: m[3]!.split(/\s+/).filter(Boolean) }] : [];
    });
    const servers = entries(rd);
    const domains = entries(dom);
    const of = (list: typeof servers, name: string) => list.find((e) => e.name === name)?.values ?? [];
    state.resolved = {
      global: of(servers, ''),
      globalDomains: of(domains, ''),
      links: [...new Set([...servers, ...domains].map((e) => e.name).filter(Boolean))].map((name) => ({ name, servers: of(servers, name), domains: of(domains, name) })),
    };
  }
  return state;
}

export interface Lookup {
  name: string;
  ok: boolean;
  /** addresses `getent hosts` printed */
  addresses: string[];
}

/** `getent hosts NAME` through the host's resolver (nsswitch), bounded to 10 s; no name, no probe. */
export function lookupFact(name: string | undefined): Fact<Lookup | undefined> {
  if (!name) return { key: 'dns:getent:', probe: raw('true'), parse: () => undefined };
  return {
    key: `dns:getent:${name}`,
    probe: sh`timeout 10 getent hosts ${name}`,
    parse: (out, code) => ({ name, ok: code === 0, addresses: out.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter(Boolean) }),
  };
}
