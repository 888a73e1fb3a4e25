import { type KubeObject, type ResourceType, type Table, tableFor } from '@peapod/core';

/**
 * `meta.k8s.io/v1` Table replies (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), built by
 * core `tableFor` with every column (kubectl hides priority-1 columns unless `-o wide`), each row
 * carrying the object as `includeObject` asks: PartialObjectMetadata (default), Object or None.
 */

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** True when the Accept header lists a meta.k8s.io Table (v1 or v1beta1). */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim().replace(/\s+/g, ''));
    return params.includes('as=Table') && params.includes('g=meta.k8s.io');
  });
}

export function parseIncludeObject(value: string | null): IncludeObject | undefined {
  if (value === null || value === '') return 'Metadata';
  return value === 'None' || value === 'Metadata' || value === 'Object' ? value : undefined;
}

export function buildTable(
  type: ResourceType,
  objects: KubeObject[],
  includeObject: IncludeObject,
  now: number,
  resourceVersion?: string,
): Table {
  return tableFor(type, objects, { wide: true, now, includeObject, resourceVersion });
}
