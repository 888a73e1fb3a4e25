import { describe, expect, it } from 'vitest';
import { shouldCollect } from '../src/idle-gc.js';
import { daemonV8Flags } from '../src/v8-tuning.js';

describe('V8 flags of peapod hub and peapod agent', () => {
  it('hub: applies none unless PEAPOD_HUB_V8_FLAGS names some', () => {
    expect(daemonV8Flags('hub', {})).toBe('');
    expect(daemonV8Flags('hub', { PEAPOD_HUB_V8_FLAGS: ' --optimize-for-size ' })).toBe('--optimize-for-size');
  });

  it('agent: small-device flags unless PEAPOD_AGENT_V8_FLAGS replaces them (empty: none)', () => {
    expect(daemonV8Flags('agent', {})).toBe('--no-opt --semi-space-growth-factor=1');
    expect(daemonV8Flags('agent', { PEAPOD_AGENT_V8_FLAGS: '' })).toBe('');
    expect(daemonV8Flags('agent', { PEAPOD_AGENT_V8_FLAGS: '--jitless' })).toBe('--jitless');
  });
});

describe('idle collector of peapod hub', () => {
  const MiB = 2 ** 20;
  it('collects once the hub is idle and its heap grew since the last collection', () => {
    expect(shouldCollect({ utilization: 0.02, committedBytes: 88 * MiB, baselineBytes: 49 * MiB })).toBe(true);
  });

  it('leaves a busy hub alone, however large its heap', () => {
    expect(shouldCollect({ utilization: 0.6, committedBytes: 300 * MiB, baselineBytes: 49 * MiB })).toBe(false);
  });

  it('leaves an idle hub alone when its heap is about as small as after the last collection', () => {
    expect(shouldCollect({ utilization: 0.01, committedBytes: 60 * MiB, baselineBytes: 49 * MiB })).toBe(false);
    expect(
      shouldCollect(
        { utilization: 0.01, committedBytes: 60 * MiB, baselineBytes: 49 * MiB },
        { minGrowthBytes: 8 * MiB },
      ),
    ).toBe(true);
  });
});
