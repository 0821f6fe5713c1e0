// Preloaded into a benchmarked fleet process: writes its peak RSS (MiB) where FLEET_BENCH_RSS says.
const { writeFileSync } = require('node:fs');
process.on('exit', () => {
  if (process.env.FLEET_BENCH_RSS) writeFileSync(process.env.FLEET_BENCH_RSS, String(process.resourceUsage().maxRSS / 1024));
});
