import { describe, expect, it } from 'vitest';
import { DESCRIBE_OPTIONS, formatRows, TABLE_OPTIONS, TabWriter } from '../src/printers/tabwriter.js';

describe('TabWriter (Go text/tabwriter rules)', () => {
  it('pads columns to the widest cell plus 3, min width 6, last column unpadded', () => {
    const out = formatRows([
      ['NAME', 'READY', 'STATUS', 'AGE'],
      ['web-1', '1/1', 'Running', '5s'],
      ['a', '0/1', 'Pending', '10m'],
    ]);
    expect(out).toBe(
      'NAME    READY   STATUS    AGE\n' + 'web-1   1/1     Running   5s\n' + 'a       0/1     Pending   10m\n',
    );
  });

  it('starts a new column block after a line without tabs (describe layout)', () => {
    const w = new TabWriter(DESCRIBE_OPTIONS);
    const out = w.format('Name:\tx\nLong Label:\ty\nContainers:\n  app:\n    Image:\tbusybox\n');
    expect(out).toBe('Name:        x\nLong Label:  y\nContainers:\n  app:\n    Image:  busybox\n');
  });

  it('keeps widths across flushes when remembering (get -w)', () => {
    const w = new TabWriter(TABLE_OPTIONS);
    const first = w.format('NAME\tSTATUS\nlong-pod-name\tRunning\n');
    const second = w.format('x\tPending\n');
    expect(first).toBe('NAME            STATUS\nlong-pod-name   Running\n');
    expect(second).toBe('x               Pending\n');
  });

  it('ignores ANSI colour codes when measuring', () => {
    const out = formatRows([
      ['\x1b[31mRED\x1b[0m', 'x'],
      ['abc', 'y'],
    ]);
    expect(out).toBe('\x1b[31mRED\x1b[0m   x\nabc   y\n');
  });
});
