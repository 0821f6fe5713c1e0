import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// runs made by tests are journaled apart from the user's own, and from other checkouts' test runs
const checkout = createHash('sha256').update(process.cwd()).digest('hex').slice(0, 8);
const env = { FLEET_JOURNAL_DIR: join(tmpdir(), `fleet-test-journal-${checkout}`) };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          env,
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.it.test.ts', 'node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          env,
          include: ['test/**/*.it.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
