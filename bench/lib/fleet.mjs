// Runs hollow nodes in a few worker processes (bench/lib/fleet-worker.mjs) against one broker URL.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killChild, tempDir } from './processes.mjs';

const WORKER = fileURLToPath(new URL('./fleet-worker.mjs', import.meta.url));

function reply(child, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (msg) => {
      if (msg.type === type) {
        child.off('message', onMessage);
        resolve(msg);
      } else if (msg.type === 'error') {
        child.off('message', onMessage);
        reject(new Error(msg.error));
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`fleet worker exited ${code}`)));
  });
}

export async function startFleet({ brokerUrl, joinToken, nodes, workers, prefix, leaseSeconds }) {
  const children = [];
  const owner = new Map();
  const per = Math.ceil(nodes / workers);
  const t0 = Date.now();
  const started = [];
  let retries = 0;
  const failed = [];
  for (let w = 0; w < workers; w++) {
    const count = Math.min(per, nodes - w * per);
    if (count <= 0) break;
    const child = fork(WORKER, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    children.push(child);
    const ready = reply(child, 'ready');
    child.send({
      cmd: 'start',
      options: {
        hub: brokerUrl,
        token: joinToken,
        count,
        namePrefix: `${prefix}-w${w}`,
        dataRoot: tempDir('peapod-bench-fleet-'),
        leaseSeconds,
        concurrency: Math.max(5, Math.ceil(20 / workers)),
        attempts: 8,
        tolerateFailures: true,
      },
    });
    started.push(
      ready.then((msg) => {
        for (const n of msg.names) owner.set(n, child);
        retries += msg.retries ?? 0;
        failed.push(...(msg.failed ?? []));
      }),
    );
  }
  await Promise.all(started);
  return {
    names: [...owner.keys()],
    pids: children.map((c) => c.pid),
    joinMs: Date.now() - t0,
    retries,
    failed,
    async kill(name) {
      const child = owner.get(name);
      const done = reply(child, 'killed');
      child.send({ cmd: 'kill', name });
      return (await done).at;
    },
    async silence(name) {
      const child = owner.get(name);
      const done = reply(child, 'silenced');
      child.send({ cmd: 'silence', name });
      return (await done).at;
    },
    async stop() {
      await Promise.all(
        children.map(async (child) => {
          if (child.exitCode !== null) return;
          const done = reply(child, 'stopped').catch(() => undefined);
          child.send({ cmd: 'stop' });
          const timer = setTimeout(() => void killChild(child), 30_000);
          await done;
          await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
          clearTimeout(timer);
        }),
      );
    },
  };
}
