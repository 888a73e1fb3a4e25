import type { ServerResponse } from 'node:http';
import { badRequest, type KubeObject, type ResourceType } from '@peapod/core';
import { isObject } from './patch/json-value.js';

/**
 * `fieldValidation` (Ignore | Warn | Strict; Warn when absent, as upstream): unknown fields at the
 * top level of an object and in its `metadata` — the two levels whose field sets are fixed for
 * every kind — are reported as `Warning` headers (kubectl prints `Warning: unknown field "…"`) or,
 * with Strict, rejected with upstream's "strict decoding error". Deeper levels are not checked
 * (the hub carries no schemas).
 */

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

const COMMON_TOP_LEVEL = ['apiVersion', 'kind', 'metadata'];
const TOP_LEVEL_BY_KIND: Record<string, string[]> = {
  Endpoints: ['subsets'],
  Event: [
    'involvedObject',
    'reason',
    'message',
    'source',
    'firstTimestamp',
    'lastTimestamp',
    'count',
    'type',
    'eventTime',
    'series',
    'action',
    'related',
    'reportingComponent',
    'reportingInstance',
  ],
};
const SPEC_AND_STATUS = ['spec', 'status'];

export function parseFieldValidation(value: string | null): FieldValidation {
  if (value === null || value === '') return 'Warn';
  if (value === 'Ignore' || value === 'Warn' || value === 'Strict') return value;
  throw badRequest(`fieldValidation: Unsupported value: "${value}": supported values: "Ignore", "Warn", "Strict"`);
}

export function unknownFields(type: ResourceType, object: KubeObject): string[] {
  const topLevel = new Set([...COMMON_TOP_LEVEL, ...(TOP_LEVEL_BY_KIND[type.kind] ?? SPEC_AND_STATUS)]);
  const unknown = Object.keys(object).filter((k) => !topLevel.has(k));
  if (isObject(object.metadata)) {
    unknown.push(
      ...Object.keys(object.metadata)
        .filter((k) => !OBJECT_META_FIELDS.has(k))
        .map((k) => `metadata.${k}`),
    );
  }
  return unknown;
}

/** Applies the `fieldValidation` policy to a decoded body: throws (Strict) or adds Warning headers (Warn). */
export function checkFields(
  res: ServerResponse,
  type: ResourceType,
  object: KubeObject,
  policy: FieldValidation,
): void {
  if (policy === 'Ignore') return;
  const unknown = unknownFields(type, object);
  if (unknown.length === 0) return;
  if (policy === 'Strict') {
    const version = type.group ? `${type.group}/${type.version}` : type.version;
    throw badRequest(
      `${type.kind} in version "${version}" cannot be handled as a ${type.kind}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`,
    );
  }
  const existing = res.getHeader('Warning');
  const warnings = new Set([
    ...(Array.isArray(existing) ? existing : existing ? [String(existing)] : []),
    ...unknown.map((f) => `299 - ${JSON.stringify(`unknown field "${f}"`)}`),
  ]);
  res.setHeader('Warning', [...warnings]);
}
