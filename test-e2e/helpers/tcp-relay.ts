import { createServer, type Server, Socket } from 'node:net';

/**
 * A TCP relay on a loopback port between an agent and the MQTT broker, to partition the link in
 * tests without killing processes. `cut()` black-holes it like a dead radio link: open connections
 * stay open but nothing passes (so keepalive timeouts and the Last Will are what notice), and new
 * connections are accepted and starved. `heal()` drops the starved connections and forwards again.
 */
export interface TcpRelay {
  port: number;
  readonly cutOff: boolean;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpRelay(target: { host?: string; port: number }): Promise<TcpRelay> {
  const host = target.host ?? '127.0.0.1';
  const pairs = new Set<[Socket, Socket]>();
  let cutOff = false;

  const clients = new Set<Socket>();
  const server: Server = createServer((client) => {
    clients.add(client);
    client.once('close', () => clients.delete(client));
    const upstream = new Socket();
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    // Data is dropped, not buffered, while cut: nothing arrives late after the heal.
    client.on('data', (d) => {
      if (!cutOff) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!cutOff) client.write(d);
    });
    upstream.connect(target.port, host);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });

  return {
    port: (server.address() as { port: number }).port,
    get cutOff() {
      return cutOff;
    },
    cut() {
      cutOff = true;
    },
    heal() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
      cutOff = false;
    },
    async close() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
