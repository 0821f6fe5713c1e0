// Debian version comparison (dpkg semantics): [epoch:]upstream[-revision], '~' sorts before all.

function order(c: string): number {
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function cmpPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let diff = 0;
    while ((i < a.length && !/\d/.test(a[i]!)) || (j < b.length && !/\d/.test(b[j]!))) {
      const ac = i < a.length && !/\d/.test(a[i]!) ? order(a[i]!) : 0;
      const bc = j < b.length && !/\d/.test(b[j]!) ? order(b[j]!) : 0;
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (i < a.length && /\d/.test(a[i]!) && j < b.length && /\d/.test(b[j]!)) {
      if (!diff) diff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && /\d/.test(a[i]!)) return 1;
    if (j < b.length && /\d/.test(b[j]!)) return -1;
    if (diff) return diff;
  }
  return 0;
}

function split(v: string): [number, string, string] {
  const colon = v.indexOf(':');
  // dpkg rejects a non-numeric epoch; we read it as 0 rather than fail a comparison
  const epoch = colon >= 0 ? Number.parseInt(v.slice(0, colon), 10) || 0 : 0;
  const rest = colon >= 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? [epoch, rest.slice(0, dash), rest.slice(dash + 1)] : [epoch, rest, ''];
}

/** <0, 0, >0 as dpkg --compare-versions. */
export function compareDebVersions(a: string, b: string): number {
  const [ea, ua, ra] = split(a.trim());
  const [eb, ub, rb] = split(b.trim());
  if (ea !== eb) return Math.sign(ea - eb);
  return Math.sign(cmpPart(ua, ub) || cmpPart(ra, rb));
}
