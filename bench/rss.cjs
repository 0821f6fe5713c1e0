// Preloaded into a benchmarked fleet process: writes its peak RSS (MiB) and its own CPU time
// (user + system, seconds) as JSON where FLEET_BENCH_RSS says.
const { writeFileSync } = require('node:fs');
process.on('exit', () => {
  if (!process.env.FLEET_BENCH_RSS) return;
  const u = process.resourceUsage();
  writeFileSync(process.env.FLEET_BENCH_RSS, JSON.stringify({ rss_mb: u.maxRSS / 1024, cpu_s: (u.userCPUTime + u.systemCPUTime) / 1e6 }));
});
