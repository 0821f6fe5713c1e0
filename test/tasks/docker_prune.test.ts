// docker_prune: args + facts -> plan (files, timer, the reclaimable space from docker system df as
// a note of the change or in the ok reason, volumes only when asked), the df parser on real output.
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { dockerPruneTask, pruneScript, pruneService, pruneTimer, reclaimable } from '../../src/tasks/docker_prune.js';
import { dockerDfFact, formatSize, parseSize, type DockerDf } from '../../src/facts/docker_df.js';
import type { DockerDaemonState } from '../../src/facts/docker_daemon.js';
import type { FileState } from '../../src/facts/file.js';
import type { ServiceState } from '../../src/facts/service.js';

const DF_OUT = `{"Active":"1","Reclaimable":"1.333GB (100%)","Size":"1.5GB","TotalCount":"8","Type":"Images"}
{"Active":"0","Reclaimable":"12.5kB","Size":"12.5kB","TotalCount":"2","Type":"Containers"}
{"Active":"0","Reclaimable":"0B","Size":"0B","TotalCount":"0","Type":"Local Volumes"}
{"Active":"0","Reclaimable":"0B","Size":"0B","TotalCount":"0","Type":"Build Cache"}
`;
const df = (out = DF_OUT): DockerDf => dockerDfFact().parse(out, 0);
const file = (content?: string, mode = '0644'): FileState => (content === undefined ? { exists: false } : { exists: true, type: 'file', mode, owner: 'root', group: 'root', size: content.length, content });
const timerState = (o: Partial<ServiceState> = {}): ServiceState => ({ manager: 'systemd', exists: false, active: false, ...o });
const dockerd = (o: Partial<DockerDaemonState> = {}): DockerDaemonState => ({ installed: true, canValidate: false, args: [], running: true, liveRestore: true, loggingDriver: 'json-file', securityOptions: [], containersRunning: 0, ...o });
const args = (a: object = {}) => parseArgs(dockerPruneTask.args, a);
const facts = (o: object = {}) => ({ script: file(), service: file(), timer: file(), timerState: timerState(), dockerd: dockerd(), df: df(), ...o });
const installed = (a = args(), o: object = {}) => facts({ script: file(pruneScript(a), '0755'), service: file(pruneService(a)), timer: file(pruneTimer(a)), timerState: timerState({ exists: true, active: true, enabled: true }), ...o });
const plan = (a: object = {}, f: object = facts()) => dockerPruneTask.plan(args(a), f as never);
const summaries = (p: Plan) => (isOk(p) ? [`ok: ${p.ok}`] : p.map((c) => c.summary));

describe('docker system df', () => {
  it('parses sizes and rows; sums what is reclaimable', () => {
    expect(parseSize('1.333GB (100%)')).toBe(1_333_000_000);
    expect(parseSize('12.5kB')).toBe(12_500);
    expect(parseSize('0B')).toBe(0);
    expect(formatSize(1_333_012_500)).toBe('1.333GB');
    expect(formatSize(512)).toBe('512B');
    expect(df().rows[0]).toEqual({ type: 'Images', total: 8, active: 1, size: 1_500_000_000, reclaimable: 1_333_000_000 });
    expect(reclaimable(df())).toBe('1.333GB reclaimable now (Images 1.333GB, Containers 12.5kB)');
    expect(reclaimable(df(''))).toBeUndefined();
    // sizes never make a saved plan drift
    expect(dockerDfFact().fingerprint!(df())).toEqual(dockerDfFact().fingerprint!(df(DF_OUT.replace('1.333GB', '2GB'))));
  });
});

describe('plan', () => {
  it('installs the script and timer; the change notes the reclaimable space', () => {
    const p = plan() as Change[];
    expect(summaries(p)).toEqual([
      'create /usr/local/sbin/fleet-docker-prune',
      'create /etc/systemd/system/fleet-docker-prune.service',
      'create /etc/systemd/system/fleet-docker-prune.timer',
      'systemctl daemon-reload, enable and start fleet-docker-prune.timer: docker system prune until=168h, daily',
    ]);
    expect(p[0]!.diff!.after).toContain('docker system prune -f --filter until=168h\n');
    expect(p[0]!.diff!.after).not.toContain('volume');
    expect(p[2]!.diff!.after).toContain('OnCalendar=daily\nPersistent=true\n');
    expect(p[3]!.warnings).toEqual(['docker system df: 1.333GB reclaimable now (Images 1.333GB, Containers 12.5kB); a prune removes only what is older than 168h, never volumes']);
  });
  it('volumes only when asked, with a warning', () => {
    const a = args({ volumes: true, until: '24h', on_calendar: 'Sun 04:00' });
    expect(pruneScript(a)).toContain('docker system prune -f --filter until=24h\ndocker volume prune -f\n');
    const p = plan({ volumes: true, until: '24h', on_calendar: 'Sun 04:00' }) as Change[];
    expect(p.at(-1)!.warnings).toContain('volumes: true — unused volumes are deleted with their data at every run');
  });
  it('converged: ok with the reclaimable space; a new age rewrites the script and service, the timer keeps running', () => {
    expect(plan({}, installed())).toEqual({ ok: 'fleet-docker-prune.timer is enabled and running: docker system prune until=168h, daily; docker system df: 1.333GB reclaimable now (Images 1.333GB, Containers 12.5kB)' });
    expect(summaries(plan({ until: '1s' }, installed()))).toEqual(['update /usr/local/sbin/fleet-docker-prune', 'update /etc/systemd/system/fleet-docker-prune.service', 'systemctl daemon-reload (the service unit changed)']);
    expect(isOk(plan({}, installed(args(), { df: df('') })))).toBe(true);
  });
  it('absent, no docker, bad args', () => {
    expect(summaries(plan({ state: 'absent' }, installed()))[0]).toMatch(/^stop and remove fleet-docker-prune.timer/);
    expect(plan({}, facts({ dockerd: dockerd({ installed: false }) }))).toEqual({ ok: 'docker is not installed' });
    expect(() => args({ until: '7d' })).toThrow("argument 'until' must be a duration in hours, minutes or seconds such as 168h, got '7d'");
    expect(() => args({ on_calendar: 'daily; rm -rf /' })).toThrow(/is not a systemd calendar expression/);
  });
});
