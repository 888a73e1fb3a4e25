import { badRequest } from '@peapod/core';
import type { WriteOptions } from '../api/service-types.js';

/** Typed reads of Kubernetes query parameters; bad values are 400 BadRequest. */

export function boolParam(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw badRequest(`invalid value for query parameter ${name}: "${value}" (want true or false)`);
}

export function intParam(query: URLSearchParams, name: string, min = 0): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^-?\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
    throw badRequest(`invalid value for query parameter ${name}: "${value}" (want an integer >= ${min})`);
  }
  return Number(value);
}

/** `dryRun=All` → true; absent → false; anything else → 400 as upstream. */
export function dryRunParam(values: readonly string[]): boolean {
  const given = values.filter((v) => v !== '');
  if (given.length === 0) return false;
  for (const v of given) if (v !== 'All') throw badRequest(`Invalid dry run value: "${v}" (supported: All)`);
  return true;
}

export function writeOptions(query: URLSearchParams): WriteOptions {
  const options: WriteOptions = { dryRun: dryRunParam(query.getAll('dryRun')) };
  const manager = query.get('fieldManager');
  if (manager) {
    if (manager.length > 128) throw badRequest('fieldManager: Too long: may not be more than 128 bytes');
    options.fieldManager = manager;
  }
  return options;
}

export function selectorParams(query: URLSearchParams): { labelSelector?: string; fieldSelector?: string } {
  const labelSelector = query.get('labelSelector') ?? undefined;
  const fieldSelector = query.get('fieldSelector') ?? undefined;
  return {
    ...(labelSelector ? { labelSelector } : {}),
    ...(fieldSelector ? { fieldSelector } : {}),
  };
}
