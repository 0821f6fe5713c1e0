#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine (root, Node 20): installs what it needs (Docker
# engine, image tools, sshd), builds fleet, then runs the unit and the integration suites against
# real lab hosts. On a machine that already has a Docker engine it uses it.
set -euo pipefail
cd "$(dirname "$0")/.."
export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost
# the 200-host load test (about 2 minutes here); FLEET_LOAD_HOSTS=0 skips it
export FLEET_LOAD_HOSTS="${FLEET_LOAD_HOSTS-200}"

bash scripts/ensure-docker.sh
# headless Chromium for the HTML report test (playwright-core drives it; it never downloads one)
if ! command -v chromium >/dev/null && [ "$(id -u)" -eq 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
# ansible-core, the reference the differential tests compare fleet with (never used by fleet itself)
if ! [ -x /usr/bin/ansible-inventory ] && [ "$(id -u)" -eq 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ansible-core >/dev/null
fi
if [ ! -x node_modules/.bin/vitest ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
npx tsc -p tsconfig.json --noEmit

results=$(mktemp -d)
status=0
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$results/unit.json" || status=$?
npx vitest run --project integration --reporter=default --reporter=json --outputFile.json="$results/integration.json" || status=$?

# One closing line that any CI reader understands: "N passed, N failed, N skipped".
node -e '
const fs = require("fs"); let p = 0, f = 0, s = 0;
for (const n of ["unit", "integration"]) {
  const file = process.argv[1] + "/" + n + ".json";
  if (!fs.existsSync(file)) { f++; console.log(n + ": no results (the suite did not run)"); continue; }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  console.log(n + ": " + r.numPassedTests + " passed, " + r.numFailedTests + " failed, " + (r.numPendingTests + r.numTodoTests) + " skipped");
  p += r.numPassedTests; f += r.numFailedTests; s += r.numPendingTests + r.numTodoTests;
}
console.log("tests: " + p + " passed, " + f + " failed, " + s + " skipped");
if (f > 0) process.exitCode = 1;
' "$results" || status=1
exit $status
