/**
 * Kubernetes resource quantities (k8s-semantics.md §1.5, apimachinery `resource.Quantity`).
 * Values are exact: a quantity is `n × 10^scale` with a bigint `n`, never a float.
 */

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface ParsedQuantity {
  /** Unscaled value: the quantity is `value × 10^scale`. */
  value: bigint;
  scale: number;
  /** Suffix family of the input, kept when re-serialising. */
  format: QuantityFormat;
}

export const QUANTITY_REGEXP = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
export const ERR_QUANTITY_FORMAT = `quantities must match the regular expression '${QUANTITY_REGEXP}'`;
export const ERR_QUANTITY_SUFFIX = "unable to parse quantity's suffix";
export const ERR_QUANTITY_NUMERIC = 'unable to parse numeric part of quantity';

/** Thrown by `parseQuantity`; `message` is one of the three apimachinery messages. */
export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

const MAX_ALLOWED = (1n << 63n) - 1n;
const NANO = -9;
const MILLI = -3;

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_EXPONENT = new Map(Object.entries(BINARY_SUFFIXES).map(([s, e]) => [e, s]));

interface SplitQuantity {
  positive: boolean;
  num: string;
  denom: string;
  suffix: string;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Splits sign, integer digits, fraction digits and suffix the way apimachinery's scanner does. */
function splitQuantity(str: string): SplitQuantity {
  let pos = 0;
  const end = str.length;
  let positive = true;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') {
    pos++;
  }
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };
  const numStart = pos;
  while (pos < end && isDigit(str[pos])) pos++;
  const num = str.slice(numStart, pos) || '0';
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    const denomStart = pos;
    while (pos < end && isDigit(str[pos])) pos++;
    denom = str.slice(denomStart, pos);
  }
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos])) pos++;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw new QuantityError(ERR_QUANTITY_FORMAT);
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

interface Suffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(suffix: string): Suffix | undefined {
  if (suffix in DECIMAL_SUFFIXES) return { base: 10, exponent: DECIMAL_SUFFIXES[suffix], format: 'DecimalSI' };
  if (suffix in BINARY_SUFFIXES) return { base: 2, exponent: BINARY_SUFFIXES[suffix], format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?[0-9]+$/.test(suffix.slice(1))) {
    const exponent = Number(suffix.slice(1));
    if (Math.abs(exponent) <= 2 ** 31 - 1) return { base: 10, exponent, format: 'DecimalExponent' };
  }
  return undefined;
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** Divides rounding away from zero (apimachinery rounds non-zero values up in magnitude). */
function divRoundUp(a: bigint, b: bigint): bigint {
  const q = a / b;
  if (q * b === a) return q;
  return a < 0n ? q - 1n : q + 1n;
}

/**
 * Parses a quantity exactly. Values finer than nano are rounded up (in magnitude), magnitudes
 * above 2^63−1 are capped. Throws `QuantityError` with apimachinery's messages.
 */
export function parseQuantity(str: string): ParsedQuantity {
  if (typeof str !== 'string' || str.length === 0) throw new QuantityError(ERR_QUANTITY_FORMAT);
  if (str === '0') return { value: 0n, scale: 0, format: 'DecimalSI' };
  const { positive, num, denom, suffix } = splitQuantity(str);
  const interpreted = interpretSuffix(suffix);
  if (!interpreted) throw new QuantityError(ERR_QUANTITY_SUFFIX);
  const { base, exponent, format } = interpreted;
  if (!/^[0-9]+$/.test(num + denom || '0')) throw new QuantityError(ERR_QUANTITY_NUMERIC);
  let value = BigInt(num + denom || '0');
  let scale = -denom.length;
  if (base === 10) scale += exponent;
  else value <<= BigInt(exponent);
  if (value !== 0n && scale < NANO) {
    // A divisor with more digits than the value rounds any non-zero value up to one unit.
    value = NANO - scale > value.toString().length ? 1n : divRoundUp(value, pow10(NANO - scale));
    scale = NANO;
  }
  // Like apimachinery, binary and exponent forms are capped at 2^63−1; DecimalSI is not.
  if (format !== 'DecimalSI' && exceedsMax(value, scale)) {
    value = MAX_ALLOWED;
    scale = 0;
  }
  if (!positive) value = -value;
  if (value === 0n) scale = 0;
  return { value, scale, format };
}

function exceedsMax(value: bigint, scale: number): boolean {
  if (scale >= 0) return scale > 19 ? value !== 0n : value * pow10(scale) > MAX_ALLOWED;
  return value > MAX_ALLOWED * pow10(-scale);
}

/** Returns true if `s` parses as a quantity. */
export function isValidQuantity(s: string): boolean {
  try {
    parseQuantity(s);
    return true;
  } catch {
    return false;
  }
}

/** Compares two quantities by value: negative, zero or positive like a sort comparator. */
export function compareQuantities(a: ParsedQuantity, b: ParsedQuantity): number {
  const scale = Math.min(a.scale, b.scale);
  const av = a.value * pow10(a.scale - scale);
  const bv = b.value * pow10(b.scale - scale);
  return av < bv ? -1 : av > bv ? 1 : 0;
}

/** The value rounded up (away from zero) to `10^scale` units, as an integer count of those units. */
export function quantityAsScale(q: ParsedQuantity, scale: number): bigint {
  if (q.scale >= scale) return q.value * pow10(q.scale - scale);
  return divRoundUp(q.value, pow10(scale - q.scale));
}

/** Rounds up (in magnitude) to `10^scale` units, keeping the format (apimachinery `RoundUp`). */
export function roundUpQuantity(q: ParsedQuantity, scale: number): ParsedQuantity {
  if (q.scale >= scale) return q;
  return { value: quantityAsScale(q, scale), scale, format: q.format };
}

/** Canonical string form: same suffix family, largest exponent, no fraction (`1.5` → `1500m`). */
export function formatQuantity(q: ParsedQuantity): string {
  if (q.value === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const integer = q.scale >= 0 || q.value % pow10(-q.scale) === 0n;
    const abs = q.value < 0n ? -q.value : q.value;
    const small = q.scale >= 0 ? abs * pow10(q.scale) < 1024n : abs < 1024n * pow10(-q.scale);
    if (small || !integer) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    let amount = quantityAsScale(q, 0);
    let exponent = 0;
    while (exponent < 60 && amount % 1024n === 0n) {
      amount /= 1024n;
      exponent += 10;
    }
    return `${amount}${BINARY_BY_EXPONENT.get(exponent) ?? ''}`;
  }
  let amount = q.value;
  let exponent = q.scale;
  while (amount % 10n === 0n) {
    amount /= 10n;
    exponent++;
  }
  const rem = ((exponent % 3) + 3) % 3;
  amount *= pow10(rem);
  exponent -= rem;
  if (format === 'DecimalExponent') return exponent === 0 ? `${amount}` : `${amount}e${exponent}`;
  // Beyond the largest suffix (E = 10^18) the amount grows instead.
  if (exponent > 18) return `${amount * pow10(exponent - 18)}E`;
  return `${amount}${DECIMAL_BY_EXPONENT.get(exponent) ?? ''}`;
}

/** Parses and re-serialises canonically, rounding up to milli as API defaulting does. */
export function canonicalizeQuantity(s: string): string {
  return formatQuantity(roundUpQuantity(parseQuantity(s), MILLI));
}

/** CPU quantity → millicores, rounded up (`250m` → 250, `0.5` → 500, `0.1m` → 1). */
export function cpuToMilli(q: string): number {
  return Number(quantityAsScale(parseQuantity(q), MILLI));
}

/** Memory quantity → bytes, rounded up (`64Mi` → 67108864, `1G` → 1e9). */
export function memoryToBytes(q: string): number {
  return Number(quantityAsScale(parseQuantity(q), 0));
}

/** Millicores → canonical CPU quantity (`250` → `250m`, `2000` → `2`). */
export function formatCpuMilli(n: number): string {
  return formatQuantity({ value: BigInt(Math.ceil(n)), scale: MILLI, format: 'DecimalSI' });
}

/** Bytes → canonical binary quantity (`67108864` → `64Mi`, `1000` → `1k`, as Kubernetes prints). */
export function formatBytes(n: number): string {
  return formatQuantity({ value: BigInt(Math.ceil(n)), scale: 0, format: 'BinarySI' });
}
