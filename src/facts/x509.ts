// Pure parsing of `openssl x509 -noout -text` output: the fields the daemon-socket checks need.

export interface X509Info {
  subject: string;
  issuer: string;
  /** epoch seconds */
  notBefore?: number;
  notAfter?: number;
  isCa: boolean;
  /** extended key usages as openssl names them ('TLS Web Client Authentication'); undefined when
   *  the certificate has no such extension (Go then accepts it for any purpose) */
  eku?: string[];
  /** subjectAltName entries ('DNS:host', 'IP Address:10.0.0.1'); undefined when absent */
  san?: string[];
}

export const CLIENT_AUTH = 'TLS Web Client Authentication';
export const SERVER_AUTH = 'TLS Web Server Authentication';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** openssl's date form, always GMT: 'Nov 12 10:00:00 2026 GMT' -> epoch seconds. */
export function parseOpensslDate(s: string): number | undefined {
  const m = /^([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})\s+GMT$/.exec(s.trim());
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1]!);
  if (month < 0) return undefined;
  return Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])) / 1000;
}

export function parseX509Text(text: string): X509Info {
  const lines = text.split('\n');
  const field = (name: string) => {
    // 'Not After : …' has a space before its colon
    const l = lines.find((x) => new RegExp(`^\\s*${name}\\s*:`).test(x));
    return l === undefined ? undefined : l.slice(l.indexOf(':') + 1).trim();
  };
  // an extension is a header line ('X509v3 Extended Key Usage: critical') and its value on the next
  const ext = (name: string) => {
    const i = lines.findIndex((x) => x.trim().startsWith(`${name}:`));
    return i < 0 ? undefined : (lines[i + 1] ?? '').trim();
  };
  const nb = field('Not Before');
  const na = field('Not After');
  const eku = ext('X509v3 Extended Key Usage');
  const san = ext('X509v3 Subject Alternative Name');
  return {
    subject: field('Subject') ?? '',
    issuer: field('Issuer') ?? '',
    notBefore: nb === undefined ? undefined : parseOpensslDate(nb),
    notAfter: na === undefined ? undefined : parseOpensslDate(na),
    isCa: /^CA:TRUE/.test(ext('X509v3 Basic Constraints') ?? ''),
    eku: eku === undefined ? undefined : eku.split(',').map((s) => s.trim()).filter(Boolean),
    san: san === undefined ? undefined : san.split(',').map((s) => s.trim()).filter(Boolean),
  };
}
