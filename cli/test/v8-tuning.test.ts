import { describe, expect, it } from 'vitest';
import { DEFAULT_HUB_V8_FLAGS, hubV8Flags } from '../src/v8-tuning.js';

describe('V8 flags of peapod hub', () => {
  it('keeps the young generation small unless told otherwise', () => {
    expect(hubV8Flags({}, [])).toBe(DEFAULT_HUB_V8_FLAGS);
    expect(DEFAULT_HUB_V8_FLAGS).toContain('--semi-space-growth-factor=1');
  });

  it('PEAPOD_HUB_V8_FLAGS replaces the default; empty applies none', () => {
    expect(hubV8Flags({ PEAPOD_HUB_V8_FLAGS: ' --optimize-for-size ' }, [])).toBe('--optimize-for-size');
    expect(hubV8Flags({ PEAPOD_HUB_V8_FLAGS: '' }, [])).toBe('');
  });

  it('leaves a semi-space size given to node itself alone', () => {
    expect(hubV8Flags({}, ['--max-semi-space-size=8'])).toBe('');
    expect(hubV8Flags({ NODE_OPTIONS: '--max_semi_space_size=4' }, [])).toBe('');
  });
});
