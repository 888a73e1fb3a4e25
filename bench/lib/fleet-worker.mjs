// A fleet-simulator worker process: runs hollow nodes (startHollowFleet) and obeys its parent over
// IPC: {cmd:'start', options} → {type:'ready'}, {cmd:'kill'|'silence', name} → {type, name, at},
// {cmd:'stop'} → stops every agent and exits. Times are epoch milliseconds.
import { startHollowFleet } from '../../agent/dist/index.js';

let fleet;
process.on('message', async (msg) => {
  try {
    if (msg.cmd === 'start') {
      const t0 = Date.now();
      fleet = await startHollowFleet(msg.options);
      process.send({
        type: 'ready',
        names: fleet.names,
        retries: fleet.retries,
        failed: fleet.failed,
        ms: Date.now() - t0,
      });
    } else if (msg.cmd === 'kill') {
      const at = Date.now();
      fleet.killUnclean(msg.name);
      process.send({ type: 'killed', name: msg.name, at });
    } else if (msg.cmd === 'silence') {
      const at = Date.now();
      fleet.silence(msg.name);
      process.send({ type: 'silenced', name: msg.name, at });
    } else if (msg.cmd === 'stop') {
      await fleet?.stop();
      process.send({ type: 'stopped' }, () => process.exit(0));
    }
  } catch (error) {
    process.send({ type: 'error', error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
// One hollow node's stray rejection (e.g. a join answer timing out after its publish already
// failed and the node retried) must not take the other nodes of this worker down.
let stray = 0;
process.on('unhandledRejection', (reason) => {
  if (stray++ < 5) process.stderr.write(`fleet worker: unhandled rejection: ${reason}\n`);
});
