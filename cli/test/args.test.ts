import { describe, expect, it } from 'vitest';
import { bool, flag, flagAll, GLOBAL_FLAGS, mergeSpecs, parseArgs, parseDuration, UsageError } from '../src/args.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, {
  values: { output: 'o', selector: 'l', filename: 'f', container: 'c' },
  bools: { 'all-namespaces': 'A', watch: 'w', stdin: 'i', tty: 't', wait: '' },
});

describe('parseArgs', () => {
  it('parses long, short, inline and attached values', () => {
    const a = parseArgs(['get', 'pods', '-n', 'kube-system', '--output=wide', '-lapp=web', '--selector', 'x=y'], SPEC);
    expect(a.positionals).toEqual(['get', 'pods']);
    expect(flag(a, 'namespace')).toBe('kube-system');
    expect(flag(a, 'output')).toBe('wide');
    expect(flagAll(a, 'selector')).toEqual(['app=web', 'x=y']);
  });

  it('groups short booleans and keeps everything after --', () => {
    const a = parseArgs(['web', '-it', '-c', 'app', '--', 'sh', '-c', 'echo hi'], SPEC);
    expect(bool(a, 'stdin')).toBe(true);
    expect(bool(a, 'tty')).toBe(true);
    expect(flag(a, 'container')).toBe('app');
    expect(a.dashDash).toBe(true);
    expect(a.rest).toEqual(['sh', '-c', 'echo hi']);
  });

  it('reads boolean values and defaults', () => {
    const a = parseArgs(['--wait=false', '-A'], SPEC);
    expect(bool(a, 'wait', true)).toBe(false);
    expect(bool(a, 'all-namespaces')).toBe(true);
    expect(bool(a, 'watch')).toBe(false);
  });

  it('rejects unknown flags and missing values with kubectl wording', () => {
    expect(() => parseArgs(['--nope'], SPEC)).toThrow(new UsageError('unknown flag: --nope'));
    expect(() => parseArgs(['-z'], SPEC)).toThrow(/unknown shorthand flag: 'z' in -z/);
    expect(() => parseArgs(['--output'], SPEC)).toThrow(/flag needs an argument: --output/);
    expect(() => parseArgs(['--wait=maybe'], SPEC)).toThrow(/invalid argument "maybe" for "--wait" flag/);
  });

  it('treats negative numbers as positionals', () => {
    expect(parseArgs(['-1'], SPEC).positionals).toEqual(['-1']);
  });
});

describe('parseDuration', () => {
  it('accepts Go durations and bare seconds', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('5')).toBe(5000);
    expect(() => parseDuration('5x')).toThrow(/invalid duration "5x"/);
  });
});
