import { describe, expect, it } from 'vitest';
import type { ContainerEvent } from '../src/runtime/driver.js';
import { SimulatedDriver } from '../src/sim/simulated-driver.js';

describe('SimulatedDriver (hollow nodes only)', () => {
  it('runs a sandbox and containers with labels, events and exits', async () => {
    const d = new SimulatedDriver();
    const events: ContainerEvent[] = [];
    const off = d.events({ 'io.peapod.node': 'n1' }, (e) => events.push(e));
    const sb = await d.createSandbox({ name: 'p', labels: { 'io.peapod.node': 'n1' }, ports: [] });
    expect(sb.ip).toMatch(/^10\.200\./);
    const run = await d.createContainer({
      name: 'web',
      sandboxId: sb.id,
      image: 'localhost/edge-test/httpd:1',
      env: {},
      labels: { 'io.peapod.node': 'n1' },
      mounts: [],
    });
    const job = await d.createContainer({
      name: 'job',
      sandboxId: sb.id,
      image: 'sim/exit:3',
      env: {},
      labels: { 'io.peapod.node': 'n1' },
      mounts: [],
    });
    await d.startContainer(run);
    await d.startContainer(job);
    await new Promise((r) => setTimeout(r, 30));
    expect((await d.inspectContainer(run))?.state).toBe('running');
    expect(await d.inspectContainer(job)).toMatchObject({ state: 'exited', exitCode: 3 });
    expect(events.filter((e) => e.type === 'died').map((e) => [e.containerId, e.exitCode])).toEqual([[job, 3]]);
    expect((await d.exec(run, ['false'])).exitCode).toBe(1);
    await d.removeSandbox(sb.id);
    expect(await d.listContainers({ 'io.peapod.node': 'n1' })).toEqual([]);
    off();
  });
});
