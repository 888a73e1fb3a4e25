import net from 'node:net';
import { type ServiceEntry, type ServiceTable, serviceKey } from '@peapod/core';
import { Balancer } from './balancer.js';

/**
 * The agent's user-space Service proxy (docs/services.md). No overlay network is assumed:
 * - every NodePort listens on this node and balances across the Ready endpoints of the whole fleet;
 * - an endpoint on this node is dialled directly (pod IP on the local runtime network);
 * - an endpoint on another node is dialled through that node's relay port: one header line
 *   `PEAPOD-RELAY 1 <podIP> <port>\n`, then raw bytes. The relay only forwards to endpoints the
 *   current table places on its own node, so it is not an open proxy;
 * - every ClusterIP service port gets a local listener on an ephemeral port; `clusterPorts()` tells
 *   the ClusterIP rules (cluster-ip-rules.ts) where to redirect `clusterIP:port` traffic of pods.
 */
export interface ServiceProxyOptions {
  nodeName: string;
  /** Address the NodePort and relay listeners bind to (the node's InternalIP, or 0.0.0.0). */
  listenHost: string;
  relayPort: number;
  now?: () => number;
  log?: (message: string) => void;
}

const RELAY_MAGIC = 'PEAPOD-RELAY 1';
const MAX_HEADER = 128;

export class ServiceProxy {
  readonly #options: ServiceProxyOptions;
  readonly #balancer = new Balancer();
  readonly #listeners = new Map<number, net.Server>();
  #entriesByNodePort = new Map<number, ServiceEntry>();
  /** serviceKey → ClusterIP listener and the entry it serves. */
  readonly #clusterListeners = new Map<string, { server: net.Server; localPort: number; entry: ServiceEntry }>();
  #localTargets = new Set<string>();
  #relay?: net.Server;
  #version = '';

  constructor(options: ServiceProxyOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    this.#relay = net.createServer((socket) => this.#acceptRelay(socket));
    await listen(this.#relay, this.#options.listenHost, this.#options.relayPort);
  }

  /** Applies a new table: opens NodePorts that appeared, closes those that went away. */
  async update(table: ServiceTable): Promise<void> {
    if (this.#version && compareVersions(table.version, this.#version) < 0) return;
    this.#version = table.version;
    const byPort = new Map<number, ServiceEntry>();
    const local = new Set<string>();
    for (const entry of table.services) {
      if (entry.protocol !== 'TCP') continue;
      if (entry.nodePort) byPort.set(entry.nodePort, entry);
      for (const e of entry.endpoints) if (e.nodeName === this.#options.nodeName) local.add(`${e.ip}:${e.port}`);
    }
    this.#entriesByNodePort = byPort;
    this.#localTargets = local;
    for (const [port, server] of this.#listeners) {
      if (!byPort.has(port)) {
        this.#listeners.delete(port);
        await close(server);
      }
    }
    for (const port of byPort.keys()) {
      if (this.#listeners.has(port)) continue;
      const server = net.createServer((socket) => this.#connect(this.#entriesByNodePort.get(port), socket));
      try {
        await listen(server, this.#options.listenHost, port);
        this.#listeners.set(port, server);
      } catch (error) {
        this.#options.log?.(`cannot listen on node port ${port}: ${(error as Error).message}`);
      }
    }
    await this.#updateClusterListeners(table);
  }

  /** Where each ClusterIP `ip:port` is served locally. */
  clusterPorts(): { clusterIP: string; port: number; localPort: number }[] {
    return [...this.#clusterListeners.values()].map(({ entry, localPort }) => ({
      clusterIP: entry.clusterIP as string,
      port: entry.port,
      localPort,
    }));
  }

  async #updateClusterListeners(table: ServiceTable): Promise<void> {
    const wanted = new Map<string, ServiceEntry>();
    for (const entry of table.services) {
      if (entry.protocol === 'TCP' && entry.clusterIP && entry.clusterIP !== 'None')
        wanted.set(serviceKey(entry), entry);
    }
    for (const [key, listener] of this.#clusterListeners) {
      const entry = wanted.get(key);
      if (entry && entry.clusterIP === listener.entry.clusterIP && entry.port === listener.entry.port) {
        listener.entry = entry;
        continue;
      }
      this.#clusterListeners.delete(key);
      await close(listener.server);
    }
    for (const [key, entry] of wanted) {
      if (this.#clusterListeners.has(key)) continue;
      const server = net.createServer((socket) => this.#connect(this.#clusterListeners.get(key)?.entry, socket));
      await listen(server, '0.0.0.0', 0);
      this.#clusterListeners.set(key, { server, localPort: (server.address() as net.AddressInfo).port, entry });
    }
  }

  listeningNodePorts(): number[] {
    return [...this.#listeners.keys()].sort((a, b) => a - b);
  }

  async close(): Promise<void> {
    const servers = [...this.#listeners.values(), ...[...this.#clusterListeners.values()].map((l) => l.server)];
    this.#listeners.clear();
    this.#clusterListeners.clear();
    if (this.#relay) servers.push(this.#relay);
    await Promise.all(servers.map(close));
  }

  #connect(entry: ServiceEntry | undefined, client: net.Socket): void {
    const now = this.#options.now?.() ?? Date.now();
    const endpoint = entry && this.#balancer.pick(entry, client.remoteAddress ?? '', now);
    if (!entry || !endpoint) {
      client.destroy();
      return;
    }
    const local = endpoint.nodeName === this.#options.nodeName;
    const upstream = local
      ? net.connect(endpoint.port, endpoint.ip)
      : net.connect(this.#options.relayPort, endpoint.nodeAddress);
    if (!local) upstream.write(`${RELAY_MAGIC} ${endpoint.ip} ${endpoint.port}\n`);
    pipe(client, upstream, () => this.#options.log?.(`${serviceKey(entry)}: upstream ${endpoint.ip} failed`));
  }

  #acceptRelay(socket: net.Socket): void {
    let header = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      header = Buffer.concat([header, chunk]);
      const nl = header.indexOf(10);
      if (nl < 0) {
        if (header.length > MAX_HEADER) socket.destroy();
        return;
      }
      socket.off('data', onData);
      socket.pause();
      const line = header.subarray(0, nl).toString('latin1');
      const rest = header.subarray(nl + 1);
      const m = /^PEAPOD-RELAY 1 (\S+) (\d+)$/.exec(line);
      if (!m || !this.#localTargets.has(`${m[1]}:${m[2]}`)) {
        socket.destroy();
        return;
      }
      const upstream = net.connect(Number(m[2]), m[1]);
      if (rest.length) upstream.write(rest);
      pipe(socket, upstream);
      socket.resume();
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  }
}

function pipe(a: net.Socket, b: net.Socket, onUpstreamError?: () => void): void {
  a.pipe(b);
  b.pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => {
    onUpstreamError?.();
    a.destroy();
  });
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
}

function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function compareVersions(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}
