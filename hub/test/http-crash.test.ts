import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, podManifest } from './helpers/api-client.js';
import { type HubProcess, startHubProcess } from './helpers/hub-process.js';

/**
 * kill -9 of a real hub process in the middle of a burst of HTTP writes: after a restart on the
 * same data dir, every write that got a 2xx reply is there, and every object reads back whole.
 */

const PODS = '/api/v1/namespaces/default/pods';
const WRITERS = 6;
const KILL_AFTER_ACKS = 120;

let hub: HubProcess;

beforeAll(async () => {
  hub = await startHubProcess();
});

afterAll(async () => {
  await hub?.cleanup();
});

describe('crash safety of acknowledged writes', () => {
  it('keeps every acknowledged create and patch across kill -9', async () => {
    const created = new Set<string>();
    const patched = new Map<string, number>(); // pod → highest acknowledged seq
    let acks = 0;
    let killed: Promise<void> | undefined;
    const conn = { ...hub };

    const writer = async (w: number) => {
      // Each writer creates pods and patches a `seq` label on its own pod.
      const own = `crash-w${w}`;
      if ((await api(conn, 'POST', PODS, { body: podManifest(own, { seq: '0' }) })).status !== 201) return;
      created.add(own);
      for (let i = 0; !killed; i++) {
        try {
          const create = await api(conn, 'POST', PODS, {
            body: podManifest(`crash-w${w}-${i}`, { writer: String(w) }),
          });
          if (create.status === 201) created.add(`crash-w${w}-${i}`);
          const patch = await api(conn, 'PATCH', `${PODS}/${own}`, {
            body: { metadata: { labels: { seq: String(i + 1) } } },
            contentType: 'application/merge-patch+json',
          });
          if (patch.status === 200) patched.set(own, i + 1);
        } catch {
          return; // connection reset by the kill
        }
        acks += 2;
        if (acks >= KILL_AFTER_ACKS && !killed) killed = hub.kill9();
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    await killed;
    expect(acks).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);

    await hub.restart();
    const list = await api(hub, 'GET', PODS);
    expect(list.status).toBe(200);
    const stored = new Map<
      string,
      { metadata: { name: string; uid: string; resourceVersion: string; labels: Record<string, string> } }
    >(list.body.items.map((p: { metadata: { name: string } }) => [p.metadata.name, p]));
    for (const name of created) expect(stored.has(name), `acknowledged pod ${name} survived`).toBe(true);
    for (const [name, seq] of patched) {
      expect(Number(stored.get(name)?.metadata.labels.seq), `patch seq of ${name}`).toBeGreaterThanOrEqual(seq);
    }
    for (const pod of stored.values()) {
      expect(pod.metadata.uid).toBeTruthy();
      expect(pod.metadata.resourceVersion).toMatch(/^\d+$/);
    }
    // The restarted hub takes writes again.
    expect((await api(hub, 'POST', PODS, { body: podManifest('after-crash') })).status).toBe(201);
  });
});
