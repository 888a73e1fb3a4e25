/** Container resource requirements (kk-val `ValidateResourceRequirements`). */
import { isQualifiedName } from '../names.js';
import { compareQuantities, formatQuantity, type ParsedQuantity, parseQuantity, QuantityError } from '../quantities.js';
import type { FieldErrors } from './field-errors.js';

const NATIVE = ['cpu', 'memory', 'ephemeral-storage'];

const isNative = (name: string): boolean => !name.includes('/') || name.startsWith('kubernetes.io/');
const isHugePages = (name: string): boolean => name.startsWith('hugepages-');
const overcommitAllowed = (name: string): boolean => isNative(name) && !isHugePages(name);

function validateResourceName(errs: FieldErrors, path: string, name: string, scope: 'container' | 'node'): void {
  const msgs = isQualifiedName(name);
  if (msgs.length) {
    errs.invalidEach(path, name, msgs);
    return;
  }
  // Node capacity also carries `pods` (kk-val `ValidateNodeResources` has no container-only check).
  if (scope === 'container' && isNative(name) && !NATIVE.includes(name) && !isHugePages(name)) {
    errs.invalid(path, name, 'must be a standard resource for containers');
  }
}

/** Parses every quantity of a list, reporting bad ones; returns the parsed values by name. */
export function validateResourceList(
  errs: FieldErrors,
  path: string,
  list: unknown,
  scope: 'container' | 'node' = 'container',
): Map<string, ParsedQuantity> {
  const parsed = new Map<string, ParsedQuantity>();
  if (list === undefined || list === null || !errs.isObject(path, list)) return parsed;
  for (const [name, raw] of Object.entries(list)) {
    const p = `${path}[${name}]`;
    validateResourceName(errs, p, name, scope);
    const text = typeof raw === 'number' ? String(raw) : raw;
    if (typeof text !== 'string') {
      errs.invalid(p, raw, 'must be a quantity');
      continue;
    }
    try {
      const q = parseQuantity(text);
      if (q.value < 0n) errs.invalid(p, text, 'must be greater than or equal to 0');
      else parsed.set(name, q);
    } catch (e) {
      if (!(e instanceof QuantityError)) throw e;
      errs.invalid(p, text, e.message);
    }
  }
  return parsed;
}

export function validateResourceRequirements(errs: FieldErrors, path: string, res: unknown): void {
  if (res === undefined || res === null || !errs.isObject(path, res)) return;
  const limits = validateResourceList(errs, `${path}.limits`, res.limits);
  const requests = validateResourceList(errs, `${path}.requests`, res.requests);
  for (const [name, req] of requests) {
    const limit = limits.get(name);
    if (!limit) continue;
    const cmp = compareQuantities(req, limit);
    if (cmp !== 0 && !overcommitAllowed(name)) {
      errs.invalid(
        `${path}.requests`,
        formatQuantity(req),
        `must be equal to ${name} limit of ${formatQuantity(limit)}`,
      );
    } else if (cmp > 0) {
      errs.invalid(
        `${path}.requests`,
        formatQuantity(req),
        `must be less than or equal to ${name} limit of ${formatQuantity(limit)}`,
      );
    }
  }
}
