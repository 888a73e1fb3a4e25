import { describe, expect, it } from 'vitest';
import { shouldCollect } from '../src/idle-gc.js';
import { hubV8Flags } from '../src/v8-tuning.js';

describe('V8 flags of peapod hub', () => {
  it('applies none unless PEAPOD_HUB_V8_FLAGS names some', () => {
    expect(hubV8Flags({})).toBe('');
    expect(hubV8Flags({ PEAPOD_HUB_V8_FLAGS: ' --optimize-for-size ' })).toBe('--optimize-for-size');
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
