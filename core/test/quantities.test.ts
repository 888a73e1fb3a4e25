import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalizeQuantity,
  compareQuantities,
  cpuToMilli,
  ERR_QUANTITY_FORMAT,
  ERR_QUANTITY_NUMERIC,
  ERR_QUANTITY_SUFFIX,
  formatBytes,
  formatCpuMilli,
  formatQuantity,
  memoryToBytes,
  type ParsedQuantity,
  parseQuantity,
} from '../src/quantities.js';

const canonical = (s: string) => formatQuantity(parseQuantity(s));

describe('parseQuantity / formatQuantity: spec examples (k8s-semantics §1.5)', () => {
  it.each([
    ['250m', '250m'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['1.5Gi', '1536Mi'],
    ['64Mi', '64Mi'],
    ['1024Mi', '1Gi'],
    ['1G', '1G'],
    ['1e3', '1e3'],
    ['129e6', '129e6'],
    ['129M', '129M'],
    ['123Mi', '123Mi'],
    ['128974848', '128974848'],
    ['0', '0'],
    ['000', '0'],
    ['1000m', '1'],
    ['.001', '1m'],
    ['1.', '1'],
    ['1.G', '1G'],
    ['0.1m', '100u'],
    ['3.001n', '4n'],
    ['0.0000000001', '1n'],
    ['100.035Ki', '102435840m'],
    ['0.5Mi', '512Ki'],
    ['12E', '12E'],
    ['1000E', '1000E'],
    ['1e30', '9223372036854775807'],
    ['-1.5', '-1500m'],
    ['+2k', '2k'],
    ['1000Ki', '1000Ki'],
    ['1023', '1023'],
    ['2048', '2048'],
    ['9Ei', '9223372036854775807'],
  ])('%s → %s', (input, out) => {
    expect(canonical(input)).toBe(out);
  });

  it('equal values compare equal across families: 0.5 == 500m, 128974848 == 129e6 rounded', () => {
    expect(compareQuantities(parseQuantity('0.5'), parseQuantity('500m'))).toBe(0);
    expect(compareQuantities(parseQuantity('1Gi'), parseQuantity('1024Mi'))).toBe(0);
    expect(compareQuantities(parseQuantity('1G'), parseQuantity('1e9'))).toBe(0);
    expect(compareQuantities(parseQuantity('129M'), parseQuantity('123Mi'))).toBe(1);
  });

  it.each([
    ['', ERR_QUANTITY_FORMAT],
    ['abc', ERR_QUANTITY_FORMAT],
    ['1Q', ERR_QUANTITY_FORMAT],
    ['1.2.3', ERR_QUANTITY_FORMAT],
    ['1 ', ERR_QUANTITY_FORMAT],
    ['1e', ERR_QUANTITY_SUFFIX],
    ['1K', ERR_QUANTITY_SUFFIX],
    ['1Mii', ERR_QUANTITY_SUFFIX],
    ['1mi', ERR_QUANTITY_SUFFIX],
  ])('%j is rejected with the apimachinery message', (input, message) => {
    expect(() => parseQuantity(input)).toThrow(message);
  });

  it('the three messages are byte-exact', () => {
    expect(ERR_QUANTITY_FORMAT).toBe(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
    expect(ERR_QUANTITY_SUFFIX).toBe("unable to parse quantity's suffix");
    expect(ERR_QUANTITY_NUMERIC).toBe('unable to parse numeric part of quantity');
  });
});

describe('helpers', () => {
  it.each([
    ['250m', 250],
    ['0.5', 500],
    ['2', 2000],
    ['0.1m', 1],
    ['1e3', 1_000_000],
    ['100u', 1],
  ])('cpuToMilli(%s) = %d', (q, n) => {
    expect(cpuToMilli(q)).toBe(n);
  });

  it.each([
    ['64Mi', 67108864],
    ['1G', 1e9],
    ['129e6', 129e6],
    ['123Mi', 128974848],
    ['0.5', 1],
    ['1Ki', 1024],
  ])('memoryToBytes(%s) = %d', (q, n) => {
    expect(memoryToBytes(q)).toBe(n);
  });

  it('formats milli-CPU and bytes canonically', () => {
    expect(formatCpuMilli(250)).toBe('250m');
    expect(formatCpuMilli(2000)).toBe('2');
    expect(formatCpuMilli(1500)).toBe('1500m');
    expect(formatCpuMilli(0)).toBe('0');
    expect(formatBytes(67108864)).toBe('64Mi');
    expect(formatBytes(1536 * 1024 * 1024)).toBe('1536Mi');
    expect(formatBytes(1000)).toBe('1k');
    expect(formatBytes(1_000_000_001)).toBe('1000000001');
  });

  it('canonicalizeQuantity rounds up to milli as API defaulting does', () => {
    expect(canonicalizeQuantity('0.1m')).toBe('1m');
    expect(canonicalizeQuantity('1.0001')).toBe('1001m');
    expect(canonicalizeQuantity('0.5')).toBe('500m');
    expect(canonicalizeQuantity('1024Mi')).toBe('1Gi');
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests against an independent rational reference model.

interface Rational {
  num: bigint;
  den: bigint;
}

const DECIMAL: Record<string, Rational> = {
  n: { num: 1n, den: 10n ** 9n },
  u: { num: 1n, den: 10n ** 6n },
  m: { num: 1n, den: 1000n },
  '': { num: 1n, den: 1n },
  k: { num: 1000n, den: 1n },
  M: { num: 10n ** 6n, den: 1n },
  G: { num: 10n ** 9n, den: 1n },
  T: { num: 10n ** 12n, den: 1n },
};
const BINARY: Record<string, Rational> = {
  Ki: { num: 1n << 10n, den: 1n },
  Mi: { num: 1n << 20n, den: 1n },
  Gi: { num: 1n << 30n, den: 1n },
  Ti: { num: 1n << 40n, den: 1n },
};
const EXPONENT: Record<string, Rational> = {
  e3: { num: 1000n, den: 1n },
  'e-3': { num: 1n, den: 1000n },
  E6: { num: 10n ** 6n, den: 1n },
  'e+2': { num: 100n, den: 1n },
  e0: { num: 1n, den: 1n },
};
const SUFFIXES = { ...DECIMAL, ...BINARY, ...EXPONENT };

const quantityText = fc
  .record({
    int: fc.bigInt({ min: 0n, max: 10n ** 6n }),
    frac: fc.option(fc.stringMatching(/^[0-9]{1,6}$/), { nil: undefined }),
    suffix: fc.constantFrom(...Object.keys(SUFFIXES)),
    negative: fc.boolean(),
  })
  .map(({ int, frac, suffix, negative }) => {
    const text = `${negative ? '-' : ''}${int}${frac !== undefined ? `.${frac}` : ''}${suffix}`;
    const digits = BigInt(`${int}${frac ?? ''}`);
    const scale = 10n ** BigInt(frac?.length ?? 0);
    const mult = SUFFIXES[suffix];
    const ref: Rational = { num: (negative ? -digits : digits) * mult.num, den: scale * mult.den };
    return { text, ref };
  });

const cmpRational = (a: Rational, b: Rational): number => {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
};
const asRational = (q: ParsedQuantity): Rational =>
  q.scale >= 0 ? { num: q.value * 10n ** BigInt(q.scale), den: 1n } : { num: q.value, den: 10n ** BigInt(-q.scale) };
/** Reference for nano rounding: away from zero to a multiple of 1e-9. */
const roundNano = (r: Rational): Rational => {
  const scaled = r.num * 10n ** 9n;
  let q = scaled / r.den;
  if (q * r.den !== scaled) q += scaled < 0n ? -1n : 1n;
  return { num: q, den: 10n ** 9n };
};
const ceilDiv = (a: bigint, b: bigint) => (a % b === 0n ? a / b : a / b + (a > 0n ? 1n : 0n));

describe('quantity properties', () => {
  it('parse gives the exact value (rounded away from zero to nano)', () => {
    fc.assert(
      fc.property(quantityText, ({ text, ref }) => {
        expect(cmpRational(asRational(parseQuantity(text)), roundNano(ref))).toBe(0);
      }),
    );
  });

  it('format∘parse round-trips the value and is idempotent', () => {
    fc.assert(
      fc.property(quantityText, ({ text }) => {
        const q = parseQuantity(text);
        const s = formatQuantity(q);
        const back = parseQuantity(s);
        expect(compareQuantities(back, q)).toBe(0);
        expect(formatQuantity(back)).toBe(s);
        expect(s).not.toContain('.');
      }),
    );
  });

  it('keeps the suffix family: binary inputs that are whole and ≥ 1024 stay binary', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1 << 20 }), fc.constantFrom('Ki', 'Mi', 'Gi'), (n, suffix) => {
        const s = canonical(`${n}${suffix}`);
        expect(s).toMatch(/^[0-9]+(Ki|Mi|Gi|Ti|Pi|Ei)?$/);
        expect(memoryToBytes(s)).toBe(memoryToBytes(`${n}${suffix}`));
      }),
    );
  });

  it('ordering agrees with the reference and survives formatting', () => {
    fc.assert(
      fc.property(quantityText, quantityText, (a, b) => {
        const qa = parseQuantity(a.text);
        const qb = parseQuantity(b.text);
        const expected = cmpRational(roundNano(a.ref), roundNano(b.ref));
        expect(compareQuantities(qa, qb)).toBe(expected);
        expect(compareQuantities(parseQuantity(formatQuantity(qa)), parseQuantity(formatQuantity(qb)))).toBe(expected);
        expect(compareQuantities(qb, qa)).toBe(-expected);
      }),
    );
  });

  it('cpuToMilli rounds up to whole millicores', () => {
    fc.assert(
      fc.property(
        quantityText.filter(({ ref }) => ref.num >= 0n),
        ({ text, ref }) => {
          const nano = roundNano(ref);
          const expected = ceilDiv(nano.num * 1000n, nano.den);
          expect(cpuToMilli(text)).toBe(Number(expected));
          const milli = parseQuantity(canonicalizeQuantity(text));
          expect(cmpRational(asRational(milli), { num: expected, den: 1000n })).toBe(0);
        },
      ),
    );
  });
});
