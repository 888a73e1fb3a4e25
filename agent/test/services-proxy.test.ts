import net from 'node:net';
import type { ServiceEntry, ServiceTable } from '@peapod/core';
import { afterEach, describe, expect, it } from 'vitest';
import { Balancer } from '../src/services/balancer.js';
import { ServiceProxy } from '../src/services/service-proxy.js';

/** A tiny TCP "pod": answers every connection with its name, then closes. */
async function backend(host: string, name: string): Promise<{ port: number; server: net.Server }> {
  const server = net.createServer((s) => s.end(name));
  await new Promise<void>((r) => server.listen(0, host, r));
  return { port: (server.address() as net.AddressInfo).port, server };
}

async function request(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    let out = '';
    s.on('data', (d) => {
      out += d;
    });
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

async function freePort(host: string): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, host, r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const cleanup: (() => Promise<unknown> | undefined)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function entry(over: Partial<ServiceEntry>): ServiceEntry {
  return {
    namespace: 'default',
    name: 'web',
    portName: '',
    protocol: 'TCP',
    port: 80,
    sessionAffinity: 'None',
    affinityTimeoutSeconds: 10800,
    endpoints: [],
    ...over,
  };
}

describe('Balancer', () => {
  const eps = [
    { ip: '10.0.0.1', port: 80, nodeName: 'a', nodeAddress: '127.0.0.2', ready: true },
    { ip: '10.0.0.2', port: 80, nodeName: 'b', nodeAddress: '127.0.0.3', ready: true },
    { ip: '10.0.0.3', port: 80, nodeName: 'b', nodeAddress: '127.0.0.3', ready: false },
  ];

  it('round-robins over ready endpoints only', () => {
    const b = new Balancer();
    const picks = Array.from({ length: 4 }, () => b.pick(entry({ endpoints: eps }), '1.1.1.1', 0)?.ip);
    expect(picks).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.1', '10.0.0.2']);
  });

  it('returns nothing when no endpoint is ready', () => {
    expect(new Balancer().pick(entry({ endpoints: [eps[2]] }), '1.1.1.1', 0)).toBeUndefined();
  });

  it('keeps a client on one endpoint with ClientIP affinity until the timeout', () => {
    const b = new Balancer();
    const e = entry({ endpoints: eps, sessionAffinity: 'ClientIP', affinityTimeoutSeconds: 10 });
    const first = b.pick(e, '1.1.1.1', 0)?.ip;
    expect([1, 2, 3].map((t) => b.pick(e, '1.1.1.1', t * 1000)?.ip)).toEqual([first, first, first]);
    const other = b.pick(e, '2.2.2.2', 4000)?.ip;
    expect(other).not.toBe(first);
    // After the timeout (10 s of silence) the sticky entry lapses and round-robin resumes.
    const later = b.pick(e, '1.1.1.1', 30_000)?.ip;
    expect(later).toBeDefined();
  });
});

describe('ServiceProxy across two nodes on loopback', () => {
  it('balances a NodePort over endpoints on both nodes, through the relay for the remote one', async () => {
    const podA = await backend('127.0.0.2', 'pod-a');
    const podB = await backend('127.0.0.3', 'pod-b');
    cleanup.push(
      () => podA.server.close(),
      () => podB.server.close(),
    );
    const relayPort = await freePort('127.0.0.2');
    const nodePort = await freePort('127.0.0.2');
    const nodeA = new ServiceProxy({ nodeName: 'a', listenHost: '127.0.0.2', relayPort });
    const nodeB = new ServiceProxy({ nodeName: 'b', listenHost: '127.0.0.3', relayPort });
    await nodeA.start();
    await nodeB.start();
    cleanup.push(
      () => nodeA.close(),
      () => nodeB.close(),
    );
    const table: ServiceTable = {
      version: '10',
      services: [
        entry({
          nodePort,
          endpoints: [
            { ip: '127.0.0.2', port: podA.port, nodeName: 'a', nodeAddress: '127.0.0.2', ready: true },
            { ip: '127.0.0.3', port: podB.port, nodeName: 'b', nodeAddress: '127.0.0.3', ready: true },
          ],
        }),
      ],
    };
    await nodeA.update(table);
    await nodeB.update(table);
    expect(nodeA.listeningNodePorts()).toEqual([nodePort]);

    const viaA = await Promise.all([1, 2, 3, 4].map(() => request('127.0.0.2', nodePort)));
    const viaB = await Promise.all([1, 2, 3, 4].map(() => request('127.0.0.3', nodePort)));
    expect(new Set(viaA)).toEqual(new Set(['pod-a', 'pod-b']));
    expect(new Set(viaB)).toEqual(new Set(['pod-a', 'pod-b']));

    // Readiness lost on pod-b: it leaves the rotation everywhere.
    await nodeA.update({
      version: '11',
      services: [
        entry({
          nodePort,
          endpoints: [
            { ip: '127.0.0.2', port: podA.port, nodeName: 'a', nodeAddress: '127.0.0.2', ready: true },
            { ip: '127.0.0.3', port: podB.port, nodeName: 'b', nodeAddress: '127.0.0.3', ready: false },
          ],
        }),
      ],
    });
    const after = await Promise.all([1, 2, 3, 4].map(() => request('127.0.0.2', nodePort)));
    expect(new Set(after)).toEqual(new Set(['pod-a']));

    // Stale tables are ignored; a table without the service closes the port.
    await nodeA.update({ version: '9', services: [] });
    expect(nodeA.listeningNodePorts()).toEqual([nodePort]);
    await nodeA.update({ version: '12', services: [] });
    expect(nodeA.listeningNodePorts()).toEqual([]);
  });

  it('relay refuses targets that are not endpoints on its own node', async () => {
    const pod = await backend('127.0.0.3', 'secret');
    cleanup.push(() => pod.server.close());
    const relayPort = await freePort('127.0.0.3');
    const node = new ServiceProxy({ nodeName: 'b', listenHost: '127.0.0.3', relayPort });
    await node.start();
    cleanup.push(() => node.close());
    await node.update({ version: '1', services: [] });
    const answer = await new Promise<string>((resolve) => {
      const s = net.connect(relayPort, '127.0.0.3');
      let out = '';
      s.on('connect', () => s.write(`PEAPOD-RELAY 1 127.0.0.3 ${pod.port}\n`));
      s.on('data', (d) => {
        out += d;
      });
      s.on('close', () => resolve(out));
      s.on('error', () => resolve(out));
    });
    expect(answer).toBe('');
  });
});
