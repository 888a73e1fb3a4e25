import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatLabelSelector,
  parseLabelSelector,
  SelectorError,
  selectorFromLabelSelector,
} from '../src/label-selector.js';

describe('parseLabelSelector: forms of k8s-semantics §2.1', () => {
  const labels = { app: 'web', tier: 'fe', env: 'prod' };
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['env in (prod,staging)', true],
    ['env in (staging)', false],
    ['env notin (prod)', false],
    ['missing notin (a)', true],
    ['missing in (a)', false],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['app=web,tier=fe', true],
    ['app=web,tier=be', false],
    ['  app = web ,\ttier in ( fe , be )  ', true],
  ])('%j matches %j → %s', (sel, expected) => {
    expect(parseLabelSelector(sel).matches(labels)).toBe(expected);
  });

  it('empty selector selects everything, including unlabelled objects', () => {
    const s = parseLabelSelector('');
    expect(s.empty).toBe(true);
    expect(s.matches(undefined)).toBe(true);
    expect(s.toString()).toBe('');
  });

  it('accepts empty values: k=, x in (foo,,baz), x in ()', () => {
    expect(parseLabelSelector('k=').matches({ k: '' })).toBe(true);
    expect(parseLabelSelector('k=').matches({ k: 'x' })).toBe(false);
    const s = parseLabelSelector('x in (foo,,baz)');
    expect(s.requirements[0].values).toEqual(['', 'baz', 'foo']);
    expect(s.matches({ x: '' })).toBe(true);
    expect(parseLabelSelector('x in ()').requirements[0].values).toEqual(['']);
  });

  it('renders canonically: sorted by key, values sorted', () => {
    expect(parseLabelSelector('b in (z,y), a!=1,!c, d').toString()).toBe('a!=1,b in (y,z),!c,d');
    expect(parseLabelSelector('in=notin').toString()).toBe('in=notin');
  });

  it.each([
    ['app=web,', "found '', expected: identifier after ','"],
    ['app in web', "found 'web' expected: '('"],
    ['x in (a', "found '', expected: ',' or ')'"],
    ['=x', "found '=', expected: !, identifier, or 'end of string'"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['a b', 'expected: in, notin, =, ==, !=, gt, lt'],
    ['a/b/c=d', 'a qualified name must consist of'],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['a=-x', 'a valid label must be an empty string'],
  ])('rejects %j', (sel, message) => {
    expect(() => parseLabelSelector(sel)).toThrow(SelectorError);
    expect(() => parseLabelSelector(sel)).toThrow(message);
  });
});

describe('selectorFromLabelSelector (§2.2)', () => {
  it('{} selects everything, null/undefined select nothing', () => {
    expect(selectorFromLabelSelector({}).matches({ a: 'b' })).toBe(true);
    expect(selectorFromLabelSelector({}).empty).toBe(true);
    expect(selectorFromLabelSelector(null).matches({})).toBe(false);
    expect(selectorFromLabelSelector(undefined).matches({ a: 'b' })).toBe(false);
    expect(selectorFromLabelSelector(null).empty).toBe(false);
  });

  it('ANDs matchLabels and matchExpressions', () => {
    const s = selectorFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'dev'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'tier', operator: 'Exists' },
        { key: 'zone', operator: 'NotIn', values: ['a'] },
      ],
    });
    expect(s.matches({ app: 'web', env: 'prod', tier: 'x' })).toBe(true);
    expect(s.matches({ app: 'web', env: 'prod', tier: 'x', zone: 'a' })).toBe(false);
    expect(s.matches({ app: 'web', env: 'prod', tier: 'x', canary: '' })).toBe(false);
    expect(s.matches({ app: 'web', env: 'qa', tier: 'x' })).toBe(false);
    expect(s.toString()).toBe('app=web,!canary,env in (dev,prod),tier,zone notin (a)');
  });

  it('rejects bad operators and value counts', () => {
    expect(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Foo' as 'In' }] })).toThrow(
      '"Foo" is not a valid label selector operator',
    );
    expect(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toThrow(
      "values set can't be empty",
    );
    expect(() =>
      selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }),
    ).toThrow('values set must be empty');
  });

  it('formatLabelSelector prints <none> for empty and null', () => {
    expect(formatLabelSelector({})).toBe('<none>');
    expect(formatLabelSelector(null)).toBe('<none>');
    expect(formatLabelSelector({ matchLabels: { b: '2', a: '1' } })).toBe('a=1,b=2');
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests: a reference model of requirements, rendered with random spelling/whitespace.

type Op = 'eq' | 'ne' | 'in' | 'notin' | 'exists' | 'notexists';
interface Req {
  key: string;
  op: Op;
  values: string[];
}

const key = fc.constantFrom('app', 'env', 'tier', 'example.com/zone', 'k8s.io/x', 'in', 'notin');
const value = fc.constantFrom('', 'a', 'b', 'web', 'prod', 'x.y_z-1');
const nonEmptyValue = value.filter((v) => v !== '');
const req: fc.Arbitrary<Req> = fc.oneof(
  fc.record({ key, op: fc.constantFrom<Op>('eq', 'ne'), values: fc.tuple(nonEmptyValue) }),
  fc.record({
    key,
    op: fc.constantFrom<Op>('in', 'notin'),
    values: fc.array(nonEmptyValue, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ key, op: fc.constantFrom<Op>('exists', 'notexists'), values: fc.constant([]) }),
);
const ws = fc.constantFrom('', ' ', '  ', '\t');

function render(r: Req, pad: string, doubleEq: boolean): string {
  switch (r.op) {
    case 'eq':
      return `${r.key}${pad}${doubleEq ? '==' : '='}${pad}${r.values[0]}`;
    case 'ne':
      return `${r.key}${pad}!=${pad}${r.values[0]}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.op}${pad}(${pad}${r.values.join(`${pad},${pad}`)}${pad})`;
    case 'exists':
      return r.key;
    case 'notexists':
      return `!${pad}${r.key}`;
  }
}

function referenceMatches(r: Req, labels: Record<string, string>): boolean {
  const has = r.key in labels;
  switch (r.op) {
    case 'eq':
    case 'in':
      return has && r.values.includes(labels[r.key]);
    case 'ne':
    case 'notin':
      return !has || !r.values.includes(labels[r.key]);
    case 'exists':
      return has;
    case 'notexists':
      return !has;
  }
}

const labelSet = fc.dictionary(key, value, { maxKeys: 5 });

describe('selector properties', () => {
  it('parsed selectors match exactly what the reference model matches', () => {
    fc.assert(
      fc.property(fc.array(req, { maxLength: 5 }), ws, fc.boolean(), labelSet, (reqs, pad, doubleEq, labels) => {
        const text = reqs.map((r) => render(r, pad, doubleEq)).join(`${pad},${pad}`);
        const s = parseLabelSelector(text);
        expect(s.matches(labels)).toBe(reqs.every((r) => referenceMatches(r, labels)));
      }),
    );
  });

  it('toString round-trips: same string and same matches', () => {
    fc.assert(
      fc.property(fc.array(req, { maxLength: 5 }), ws, fc.boolean(), labelSet, (reqs, pad, doubleEq, labels) => {
        const s = parseLabelSelector(reqs.map((r) => render(r, pad, doubleEq)).join(','));
        const again = parseLabelSelector(s.toString());
        expect(again.toString()).toBe(s.toString());
        expect(again.matches(labels)).toBe(s.matches(labels));
      }),
    );
  });

  it('the structured form agrees with the string form', () => {
    const structured = fc.record({
      matchLabels: fc.dictionary(key, nonEmptyValue, { maxKeys: 3 }),
      matchExpressions: fc.array(
        fc.oneof(
          fc.record({
            key,
            operator: fc.constantFrom('In' as const, 'NotIn' as const),
            values: fc.array(nonEmptyValue, { minLength: 1, maxLength: 3 }),
          }),
          fc.record({ key, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
        ),
        { maxLength: 3 },
      ),
    });
    fc.assert(
      fc.property(structured, labelSet, (sel, labels) => {
        const s = selectorFromLabelSelector(sel);
        expect(parseLabelSelector(s.toString()).matches(labels)).toBe(s.matches(labels));
      }),
    );
  });
});
