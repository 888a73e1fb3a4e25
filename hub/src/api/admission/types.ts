import type { KubeObject, ResourceType } from '@peapod/core';
import type { ListOptions, ListResult } from '../../store/types.js';

/**
 * Mutating admission, as the apiserver runs it: after defaulting, before validation, inside the
 * create/update call. Plugins see what exists through `list` and throw ApiError to refuse.
 */
export interface AdmissionPlugin {
  readonly name: string;
  admitCreate?(type: ResourceType, object: KubeObject, context: AdmissionContext): void;
  admitUpdate?(type: ResourceType, object: KubeObject, old: KubeObject, context: AdmissionContext): void;
}

export interface AdmissionContext {
  list(type: ResourceType, options?: ListOptions): ListResult;
}
