import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, deploymentManifest } from '../../hub/test/helpers/api-client.js';
import { type HubProcess, startHubProcess } from '../../hub/test/helpers/hub-process.js';
import { type HollowFleet, startHollowFleet } from '../src/sim/hollow-fleet.js';

/**
 * The fleet simulator itself: a real hub process (`peapod hub`, embedded MQTT broker) and three
 * hollow nodes in this process. Functional only — timings belong to bench/. Needs `npx tsc -b`.
 */
const CLI = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('hollow fleet (simulator)', () => {
  let hub: HubProcess;
  let fleet: HollowFleet | undefined;
  const prefix = `sim-${process.pid}`;

  beforeAll(async () => {
    const mqttPort = await freePort();
    hub = await startHubProcess({ entry: [CLI, 'hub'], args: ['--mqtts-port', String(mqttPort), '--wss-port', 'off'] });
    fleet = await startHollowFleet({
      hub: `mqtts://127.0.0.1:${mqttPort}`,
      token: readFileSync(join(hub.dataDir, 'join-token'), 'utf8').trim(),
      count: 3,
      namePrefix: prefix,
      dataRoot: mkdtempSync(join(tmpdir(), 'peapod-sim-test-')),
      leaseSeconds: 2,
    });
  }, 60_000);

  afterAll(async () => {
    await fleet?.stop();
    await hub?.cleanup();
  });

  it('registers the hollow nodes Ready and runs a 6-pod deployment on them', async () => {
    const names = fleet!.names;
    await eventually(async () => {
      const { body } = await api(hub, 'GET', '/api/v1/nodes');
      const ready = (body.items ?? []).filter(
        (n: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }) =>
          names.includes(n.metadata.name) &&
          n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return ready.length === names.length ? ready : undefined;
    });

    const created = await api(hub, 'POST', '/apis/apps/v1/namespaces/default/deployments', {
      body: deploymentManifest('sim-web', 6),
    });
    expect(created.status).toBe(201);

    const running = await eventually(async () => {
      const { body } = await api(hub, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dsim-web');
      const items = (body.items ?? []) as {
        spec: { nodeName?: string };
        status?: { phase?: string; podIP?: string };
      }[];
      const up = items.filter((p) => p.status?.phase === 'Running');
      return up.length === 6 ? up : undefined;
    });
    for (const pod of running) {
      expect(names).toContain(pod.spec.nodeName);
      expect(pod.status?.podIP).toMatch(/^10\.2\d\d\./);
    }
    expect(new Set(running.map((p) => p.spec.nodeName)).size).toBeGreaterThan(1);
  }, 120_000);

  it('marks a node whose connection is cut without DISCONNECT as Ready=Unknown', async () => {
    const victim = fleet!.names[0];
    fleet!.killUnclean(victim);
    const status = await eventually(async () => {
      const { body } = await api(hub, 'GET', `/api/v1/nodes/${victim}`);
      const ready = body.status?.conditions?.find((c: { type: string }) => c.type === 'Ready');
      return ready?.status === 'Unknown' ? ready.status : undefined;
    });
    expect(status).toBe('Unknown');
  }, 60_000);
});
