// Pieces several scenarios use: a tiny inner image, a local apt repository of stand-in packages,
// the lab's DNS upstream.
import type { ScenarioHost } from './types.js';

/** fleet-lab/busybox in the host's own engine, from the busybox-static package (no registry). */
export const LOAD_BUSYBOX = `if ! docker image inspect fleet-lab/busybox >/dev/null 2>&1; then
  d=$(mktemp -d); mkdir -p "$d/bin" "$d/www" "$d/tmp"
  cp /bin/busybox "$d/bin/"; chroot "$d" /bin/busybox --install -s /bin
  echo "hello from fleet lab" > "$d/www/index.html"
  tar -C "$d" -c . | docker import -c 'CMD ["/bin/sh"]' - fleet-lab/busybox >/dev/null
  rm -rf "$d"
fi`;

/** Build stand-in .debs (name, versions) into /srv/fleet-repo, list the repo alone in apt's
 *  sources (offline and fast), refresh, and install `install` if given. */
export function standInRepo(pkgs: { name: string; versions: string[]; description: string }[], install?: string): string {
  const builds = pkgs
    .flatMap((p) =>
      p.versions.map(
        (v) => `mkdir -p "$w/${p.name}-${v}/DEBIAN" "$w/${p.name}-${v}/usr/share/fleet-lab"
printf 'Package: ${p.name}\\nVersion: ${v}\\nArchitecture: all\\nMaintainer: fleet lab <lab@fleet.invalid>\\nDescription: ${p.description}\\n' > "$w/${p.name}-${v}/DEBIAN/control"
echo '${p.name} ${v} (fleet lab stand-in)' > "$w/${p.name}-${v}/usr/share/fleet-lab/${p.name}.version"
dpkg-deb -Zgzip --build "$w/${p.name}-${v}" /srv/fleet-repo/${p.name}_${v}_all.deb >/dev/null`,
      ),
    )
    .join('\n');
  return `w=$(mktemp -d); mkdir -p /srv/fleet-repo
${builds}
cd /srv/fleet-repo && dpkg-scanpackages -m . /dev/null 2>/dev/null > Packages
[ -f /etc/apt/sources.list ] && mv /etc/apt/sources.list /etc/apt/sources.list.fleet-lab-disabled || true
echo 'deb [trusted=yes] file:/srv/fleet-repo ./' > /etc/apt/sources.list.d/fleet-lab.list
apt-get update -qq
${install ? `DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${install} >/dev/null` : ''}
rm -rf "$w"`;
}

/** The lab host that serves DNS to the others (scenario dns-upstream), which `scenario` needs. */
export function labUpstream(all: readonly ScenarioHost[], scenario: string): ScenarioHost {
  const up = all.find((x) => x.scenarios.includes('dns-upstream'));
  if (!up) throw new Error(`scenario ${scenario} needs a host with dns-upstream in the same lab`);
  return up;
}
