/**
 * Field errors shaped like apimachinery `field.Error`: each becomes a `StatusCause` with `reason`
 * (`FieldValueRequired`…), `field` (`spec.containers[0].image`) and `message` (the error body,
 * e.g. `Required value`, `Invalid value: "X": <detail>`).
 */
import type { StatusCause } from '../types.js';

/** Renders a bad value the way field.Error does: strings quoted, numbers/booleans bare, others as JSON. */
export function formatBadValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === undefined) return 'null';
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}

const withDetail = (body: string, detail?: string): string => (detail ? `${body}: ${detail}` : body);

export class FieldErrors {
  readonly causes: StatusCause[] = [];

  private add(reason: string, field: string, message: string): void {
    if (!this.causes.some((c) => c.field === field && c.message === message && c.reason === reason)) {
      this.causes.push({ reason, message, field });
    }
  }

  required(field: string, detail?: string): void {
    this.add('FieldValueRequired', field, withDetail('Required value', detail));
  }

  invalid(field: string, value: unknown, detail?: string): void {
    this.add('FieldValueInvalid', field, withDetail(`Invalid value: ${formatBadValue(value)}`, detail));
  }

  notSupported(field: string, value: unknown, supported: readonly string[]): void {
    const list = supported.map((s) => JSON.stringify(s)).join(', ');
    this.add('FieldValueNotSupported', field, `Unsupported value: ${formatBadValue(value)}: supported values: ${list}`);
  }

  duplicate(field: string, value: unknown): void {
    this.add('FieldValueDuplicate', field, `Duplicate value: ${formatBadValue(value)}`);
  }

  notFound(field: string, value: unknown): void {
    this.add('FieldValueNotFound', field, `Not found: ${formatBadValue(value)}`);
  }

  tooLong(field: string, maxBytes: number): void {
    this.add('FieldValueTooLong', field, `Too long: must have at most ${maxBytes} bytes`);
  }

  forbidden(field: string, detail: string): void {
    this.add('FieldValueForbidden', field, withDetail('Forbidden', detail));
  }

  /** One Invalid error per message, as Kubernetes does for name/label checks. */
  invalidEach(field: string, value: unknown, messages: string[]): void {
    for (const m of messages) this.invalid(field, value, m);
  }

  // ---- type guards for untyped JSON input: report and tell the caller to skip deeper checks ----

  isObject(field: string, value: unknown): value is Record<string, unknown> {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return true;
    this.invalid(field, value, 'must be an object');
    return false;
  }

  isArray(field: string, value: unknown): value is unknown[] {
    if (Array.isArray(value)) return true;
    this.invalid(field, value, 'must be an array');
    return false;
  }

  isString(field: string, value: unknown): value is string {
    if (typeof value === 'string') return true;
    this.invalid(field, value, 'must be a string');
    return false;
  }

  isInteger(field: string, value: unknown): value is number {
    if (typeof value === 'number' && Number.isInteger(value)) return true;
    this.invalid(field, value, 'must be an integer');
    return false;
  }

  isBoolean(field: string, value: unknown): value is boolean {
    if (typeof value === 'boolean') return true;
    this.invalid(field, value, 'must be a boolean');
    return false;
  }

  /** Optional non-negative integer. */
  nonNegative(field: string, value: unknown): void {
    if (value === undefined || value === null) return;
    if (this.isInteger(field, value) && value < 0) this.invalid(field, value, 'must be greater than or equal to 0');
  }

  /** Optional string map (labels, selectors, nodeSelector). */
  stringMap(field: string, value: unknown): value is Record<string, string> {
    if (!this.isObject(field, value)) return false;
    let ok = true;
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') {
        this.invalid(`${field}[${k}]`, v, 'must be a string');
        ok = false;
      }
    }
    return ok;
  }
}
