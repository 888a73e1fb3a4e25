import { joinHub } from '@peapod/agent';
import { encode, MAX_PAYLOAD_BYTES, nodeUsername, PROTOCOL_VERSION, topics } from '@peapod/core';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, NODES, PODS, podObject, rawClient, startTestHub, type TestHub, tempDir } from './mqtt-harness.js';

let h: TestHub;
let dir: { path: string; remove(): void };
const credentials: Record<string, { username: string; password: string }> = {};
const clients: MqttClient[] = [];

beforeAll(async () => {
  dir = tempDir('peapod-mqtt-acl-');
  h = await startTestHub(dir.path);
  for (const name of ['node-a', 'node-b']) {
    const c = await joinHub({ url: h.url, token: h.token, nodeName: name });
    credentials[name] = { username: c.username, password: c.password };
  }
});

afterAll(async () => {
  for (const c of clients) c.end(true);
  await h.stop();
  dir.remove();
});

async function connectAs(name: string, extra = {}): Promise<MqttClient> {
  const client = await rawClient(h.url, {
    clientId: nodeUsername(name),
    ...credentials[name],
    ca: h.caPem,
    ...extra,
  });
  clients.push(client);
  return client;
}

/** Resolves with `true` if the connection closes within the window (the broker dropped it). */
function closesSoon(client: MqttClient, ms = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    client.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

describe('broker authentication and authorization', () => {
  it('refuses wrong, missing and borrowed credentials', async () => {
    await expect(
      rawClient(h.url, {
        clientId: nodeUsername('node-a'),
        username: nodeUsername('node-a'),
        password: 'wrong',
        ca: h.caPem,
      }),
    ).rejects.toThrow(/Bad username or password|Not authorized|closed/i);
    await expect(rawClient(h.url, { clientId: 'anonymous', ca: h.caPem })).rejects.toThrow();
    // node-b's secret with node-a's username.
    await expect(
      rawClient(h.url, {
        clientId: nodeUsername('node-a'),
        username: nodeUsername('node-a'),
        password: credentials['node-b'].password,
        ca: h.caPem,
      }),
    ).rejects.toThrow();
    // A valid credential may not take over another node's session by client id.
    await expect(connectAs('node-a', { clientId: nodeUsername('node-b') })).rejects.toThrow();
    // A bad join token cannot join.
    await expect(joinHub({ url: h.url, token: 'nope', nodeName: 'node-x', caPem: h.caPem })).rejects.toThrow();
    expect(h.logs.filter((l) => l.message === 'mqtt: connection refused').length).toBeGreaterThanOrEqual(3);
  });

  it('refuses a second join for a registered node name', async () => {
    h.service.create(NODES, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' }, spec: {} });
    await expect(joinHub({ url: h.url, token: h.token, nodeName: 'node-a' })).rejects.toThrow(/already registered/);
    h.service.delete(NODES, undefined, 'node-a');
  });

  it('lets a node subscribe only to its own desired-state and request topics', async () => {
    const a = await connectAs('node-a');
    const own = await a.subscribeAsync([topics.desiredAll('node-a'), topics.requests('node-a')], { qos: 1 });
    expect(own.map((g) => g.qos)).toEqual([1, 1]);
    for (const filter of [
      topics.desiredAll('node-b'),
      topics.requests('node-b'),
      'peapod/v1/#',
      '#',
      topics.podStatus('node-b'),
      topics.podStatus('node-a'),
    ]) {
      const refused = await a.subscribeAsync(filter, { qos: 1 }).then(
        () => undefined,
        (err: { packet?: { granted?: number[] } }) => err.packet?.granted,
      );
      expect(refused, filter).toEqual([128]);
    }

    // node-a must never see node-b's pods even though they are retained in the broker.
    const seen: string[] = [];
    a.on('message', (topic) => seen.push(topic));
    h.service.create(PODS, 'default', podObject('only-b', 'node-b'));
    h.service.create(PODS, 'default', podObject('only-a', 'node-a'));
    await eventually(() => seen.some((t) => t.startsWith(`${topics.nodeRoot('node-a')}/desired/pods/`)), 'own pod');
    expect(seen.every((t) => t.startsWith(topics.nodeRoot('node-a')))).toBe(true);
  });

  it("drops a node's connection when it publishes to another node's status topic, and changes nothing", async () => {
    const b = h.service.get(PODS, 'default', 'only-b');
    const a = await connectAs('node-a');
    const closed = closesSoon(a);
    a.publish(
      topics.podStatus('node-b'),
      encode({
        v: PROTOCOL_VERSION,
        instance: 'evil',
        updates: [
          {
            namespace: 'default',
            name: 'only-b',
            uid: b.metadata.uid,
            status: { phase: 'Failed' },
            sequence: 1,
            observedAt: '',
          },
        ],
      }),
      { qos: 1 },
    );
    expect(await closed).toBe(true);
    expect(h.logs.some((l) => l.message === 'mqtt: publish refused')).toBe(true);
    expect(h.service.get(PODS, 'default', 'only-b').status?.phase).not.toBe('Failed');
    // Nor may it write desired state (hub-only topics).
    const a2 = await connectAs('node-a');
    const closed2 = closesSoon(a2);
    a2.publish(topics.desiredIndex('node-a'), encode({ v: 1, node: 'node-a', revision: '1', pods: [] }), { qos: 1 });
    expect(await closed2).toBe(true);
  });

  it('survives garbage and oversized payloads from a node and keeps serving others', async () => {
    const a = await connectAs('node-a');
    const garbage = [
      Buffer.from('not json'),
      Buffer.from('[]'),
      Buffer.from('{"v":2}'),
      Buffer.from('{"v":1,"type":"register"}'),
      Buffer.from(
        JSON.stringify({ v: 1, type: 'heartbeat', instance: 'x', connection: 0, sentAt: 0, conditions: [{}] }),
      ),
      Buffer.from(JSON.stringify({ v: 1, instance: 'x', updates: [{ name: 1 }] })),
      Buffer.from([0xff, 0xfe, 0x00, 0x01]),
    ];
    for (const payload of garbage) {
      await a.publishAsync(topics.nodeStatus('node-a'), payload, { qos: 1 });
      await a.publishAsync(topics.podStatus('node-a'), payload, { qos: 1 });
      await a.publishAsync(topics.podRemoved('node-a'), payload, { qos: 1 });
      await a.publishAsync(topics.response('node-a', 'abc'), payload, { qos: 1 });
    }
    await eventually(
      () => h.logs.filter((l) => l.message === 'mqtt: message dropped').length >= garbage.length * 3,
      'garbage dropped and logged',
    );
    expect(() => h.service.get(NODES, undefined, 'node-a')).toThrow(/not found/);

    const closed = closesSoon(a);
    a.publish(topics.nodeStatus('node-a'), Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 'x'), { qos: 1 });
    expect(await closed).toBe(true);
    expect(h.logs.some((l) => l.message === 'mqtt: oversized payload refused')).toBe(true);

    // The hub still works for everybody.
    const b = await connectAs('node-b');
    await b.subscribeAsync(topics.desiredAll('node-b'), { qos: 1 });
    const index = await new Promise<string>((resolve) =>
      b.on('message', (topic, payload) => {
        if (topic === topics.desiredIndex('node-b')) resolve(payload.toString());
      }),
    );
    expect(JSON.parse(index).pods.map((p: { name: string }) => p.name)).toEqual(['only-b']);
  });
});
