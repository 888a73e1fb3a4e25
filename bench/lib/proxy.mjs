// A counting TCP proxy on loopback: every byte between the agents and the hub's broker, both ways.
import { connect, createServer } from 'node:net';

export async function startCountingProxy(targetPort) {
  const counters = { up: 0, down: 0 };
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (d) => {
      counters.up += d.length;
    });
    upstream.on('data', (d) => {
      counters.down += d.length;
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    bytes: () => counters.up + counters.down,
    counters,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
