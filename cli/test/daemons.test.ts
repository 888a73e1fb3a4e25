import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { api } from '../../hub/test/helpers/api-client.js';
import { startHubProcess } from '../../hub/test/helpers/hub-process.js';
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

describe('peapod hub on SIGUSR2', () => {
  it('writes coalesced node status to disk and keeps running', async () => {
    const hub = await startHubProcess({ entry: [PEAPOD, 'hub'], args: ['--mqtts-port', '0', '--wss-port', 'off'] });
    const beat = (time: string) => ({
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Test',
          lastHeartbeatTime: time,
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    });
    const stored = () => {
      const db = new Database(join(hub.dataDir, 'peapod.db'), { readonly: true });
      try {
        const row = db.prepare("SELECT body FROM objects WHERE resource = 'nodes' AND name = 'usr2'").get() as {
          body: string;
        };
        return JSON.parse(row.body).status.conditions[0].lastHeartbeatTime as string;
      } finally {
        db.close();
      }
    };
    try {
      const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'usr2' } };
      expect((await api(hub, 'POST', '/api/v1/nodes', { body: node })).status).toBe(201);
      const created = (await api(hub, 'GET', '/api/v1/nodes/usr2')).body;
      const first = { ...created, status: beat('2026-01-01T00:00:00Z') };
      expect((await api(hub, 'PUT', '/api/v1/nodes/usr2/status', { body: first })).status).toBe(200);
      // A heartbeat-only change is served at once but kept in memory (docs/storage.md).
      const current = (await api(hub, 'GET', '/api/v1/nodes/usr2')).body;
      const second = { ...current, status: beat('2026-01-01T00:05:00Z') };
      expect((await api(hub, 'PUT', '/api/v1/nodes/usr2/status', { body: second })).status).toBe(200);
      expect(stored()).toBe('2026-01-01T00:00:00Z');

      process.kill(hub.pid, 'SIGUSR2');
      for (let i = 0; i < 50 && stored() !== '2026-01-01T00:05:00Z'; i++) await new Promise((r) => setTimeout(r, 100));
      expect(stored()).toBe('2026-01-01T00:05:00Z');
      expect((await api(hub, 'GET', '/version')).status).toBe(200);
      expect(hub.output()).toContain('hub: SIGUSR2, coalesced writes flushed to disk');
    } finally {
      await hub.cleanup();
    }
  });
});
