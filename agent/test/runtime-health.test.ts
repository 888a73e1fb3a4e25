import { describe, expect, it } from 'vitest';
import { RUNTIME_CHECK_MAX_AGE_MS, RuntimeHealth } from '../src/node/runtime-health.js';

function setup() {
  const state = { now: 0, ends: 0, checks: 0, down: false };
  const health = new RuntimeHealth({
    check: async () => {
      state.checks++;
      if (state.down) throw new Error('podman: not found');
      return 'podman://4.3.1';
    },
    streamEnds: () => state.ends,
    now: () => state.now,
  });
  return { state, health };
}

describe('RuntimeHealth', () => {
  it('reuses a good check while it is fresh and the event stream lives, then checks again', async () => {
    const { state, health } = setup();
    expect(await health.version()).toBe('podman://4.3.1');
    state.now = RUNTIME_CHECK_MAX_AGE_MS - 1;
    expect(await health.version()).toBe('podman://4.3.1');
    expect(state.checks).toBe(1);
    state.now = RUNTIME_CHECK_MAX_AGE_MS;
    await health.version();
    expect(state.checks).toBe(2);
  });

  it('checks for real on the next call after the event stream ended', async () => {
    const { state, health } = setup();
    await health.version();
    state.ends++;
    state.down = true;
    await expect(health.version()).rejects.toThrow('not found');
    expect(state.checks).toBe(2);
  });

  it('never reuses a failed check, so recovery shows on the next call', async () => {
    const { state, health } = setup();
    state.down = true;
    await expect(health.version()).rejects.toThrow();
    await expect(health.version()).rejects.toThrow();
    state.down = false;
    expect(await health.version()).toBe('podman://4.3.1');
    expect(state.checks).toBe(3);
  });

  it('shares one check between concurrent callers', async () => {
    const { state, health } = setup();
    const [a, b] = await Promise.all([health.version(), health.version()]);
    expect([a, b]).toEqual(['podman://4.3.1', 'podman://4.3.1']);
    expect(state.checks).toBe(1);
  });

  it('without an event stream counter it relies on the age alone', async () => {
    let checks = 0;
    let now = 0;
    const health = new RuntimeHealth({ check: async () => `v${++checks}`, now: () => now });
    expect(await health.version()).toBe('v1');
    expect(await health.version()).toBe('v1');
    now = RUNTIME_CHECK_MAX_AGE_MS;
    expect(await health.version()).toBe('v2');
  });
});
