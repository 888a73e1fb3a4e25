import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PEAPOD } from './helpers.js';

describe('peapod hub (real process)', () => {
  it('exits non-zero instead of lingering half-started when its broker port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const port = (blocker.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'peapod-daemon-'));
    try {
      const run = spawnSync(
        process.execPath,
        [
          PEAPOD,
          'hub',
          '--data-dir',
          dir,
          '--host',
          '127.0.0.1',
          '--port',
          '0',
          '--mqtts-port',
          String(port),
          '--wss-port',
          'off',
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(run.signal).toBeNull(); // it ended by itself, not by the timeout
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('EADDRINUSE');
    } finally {
      blocker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
