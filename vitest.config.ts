import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@peapod/core/resources': fileURLToPath(new URL('./core/src/resources.ts', import.meta.url)),
      '@peapod/core/manifests': fileURLToPath(new URL('./core/src/manifests.ts', import.meta.url)),
      '@peapod/core/mini-yaml': fileURLToPath(new URL('./core/src/mini-yaml.ts', import.meta.url)),
      '@peapod/core': src('core'),
      '@peapod/firmware-profiles': src('firmware-profiles'),
      '@peapod/hub': src('hub'),
      '@peapod/agent/agent': fileURLToPath(new URL('./agent/src/agent.ts', import.meta.url)),
      '@peapod/agent': src('agent'),
    },
  },
  test: {
    include: ['*/test/**/*.test.ts', 'test-e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests that start real hubs, agents and podman containers share one machine: keep files serial
    // within a worker pool small enough for a 2-core box.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
