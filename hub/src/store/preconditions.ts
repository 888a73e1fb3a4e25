import type { ResourceType } from '@peapod/core';
import { ApiError, conflict } from '@peapod/core';

/**
 * 409 Conflict for a failed uid/resourceVersion precondition, worded like apiserver:
 * `Operation cannot be fulfilled on pods "x": Precondition failed: UID in precondition: …`.
 */
export function preconditionFailed(type: ResourceType, name: string, detail: string): ApiError {
  const base = conflict(type.plural, name, type.group);
  const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
  return new ApiError({
    ...base.status,
    message: `Operation cannot be fulfilled on ${resource} "${name}": Precondition failed: ${detail}`,
  });
}

export function uidPreconditionFailed(type: ResourceType, name: string, expected: string, actual: string | undefined) {
  return preconditionFailed(type, name, `UID in precondition: ${expected}, UID in object meta: ${actual ?? ''}`);
}

export function resourceVersionPreconditionFailed(
  type: ResourceType,
  name: string,
  expected: string,
  actual: string | undefined,
) {
  return preconditionFailed(
    type,
    name,
    `ResourceVersion in precondition: ${expected}, ResourceVersion in object meta: ${actual ?? ''}`,
  );
}
