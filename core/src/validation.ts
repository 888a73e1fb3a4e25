/**
 * Validation by kind with Kubernetes rules and messages (k8s-semantics.md §1–§7, §10–§11; kk-val).
 * Pure and total: any JSON input yields causes, never an exception.
 */
import { invalid } from './errors.js';
import { resourceTypeForKind } from './resources.js';
import type { KubeObject, StatusCause } from './types.js';
import { validateDeployment, validateReplicaSet, validateSelectorUpdate } from './validation/apps.js';
import { validateEndpoints, validateEvent, validateNamespace, validateNode } from './validation/cluster.js';
import { FieldErrors } from './validation/field-errors.js';
import { NAME_VALIDATORS, validateObjectMeta, validateObjectMetaUpdate } from './validation/meta.js';
import { validatePod, validatePodUpdate } from './validation/pod.js';
import { validateService, validateServiceUpdate } from './validation/service.js';

type Json = Record<string, unknown>;
type Validator = (errs: FieldErrors, obj: Json, validateName: (n: string) => string[]) => void;

const VALIDATORS: Record<string, Validator> = {
  'v1/Pod': validatePod,
  'v1/Node': validateNode,
  'v1/Namespace': validateNamespace,
  'v1/Service': (errs, obj, validateName) => {
    validateObjectMeta(errs, obj.metadata, { namespaced: true, validateName });
    validateService(errs, obj);
  },
  'v1/Endpoints': validateEndpoints,
  'v1/Event': validateEvent,
  'apps/v1/Deployment': validateDeployment,
  'apps/v1/ReplicaSet': validateReplicaSet,
};

type UpdateValidator = (errs: FieldErrors, obj: Json, old: Json) => void;

const UPDATE_VALIDATORS: Record<string, UpdateValidator> = {
  'v1/Pod': validatePodUpdate,
  'v1/Service': validateServiceUpdate,
  'apps/v1/Deployment': validateSelectorUpdate,
  'apps/v1/ReplicaSet': validateSelectorUpdate,
};

/**
 * Validates `obj` and, when `old` is given, the update from `old` (immutable fields). Returns the
 * causes (empty if valid). Call after `applyDefaults`. Unknown kinds get ObjectMeta checks only.
 */
export function validateObject(obj: KubeObject, old?: KubeObject): StatusCause[] {
  const errs = new FieldErrors();
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    errs.invalid('', obj ?? null, 'must be an object');
    return errs.causes;
  }
  const key = `${obj.apiVersion}/${obj.kind}`;
  const validateName = NAME_VALIDATORS[obj.kind] ?? NAME_VALIDATORS.Pod;
  const validator = VALIDATORS[key];
  if (validator) validator(errs, obj as unknown as Json, validateName);
  else {
    const namespaced = resourceTypeForKind(obj.apiVersion, obj.kind)?.namespaced ?? true;
    validateObjectMeta(errs, obj.metadata, { namespaced, validateName });
  }
  if (old && typeof old === 'object') {
    validateObjectMetaUpdate(errs, obj.metadata, old.metadata);
    UPDATE_VALIDATORS[key]?.(errs, obj as unknown as Json, old as unknown as Json);
  }
  return errs.causes;
}

/** Throws ApiError Invalid (422) with `details.causes` unless `obj` is valid (see `validateObject`). */
export function assertValid(obj: KubeObject, old?: KubeObject): void {
  const causes = validateObject(obj, old);
  if (causes.length === 0) return;
  const group = resourceTypeForKind(obj.apiVersion, obj.kind)?.group ?? '';
  const meta = (obj.metadata && typeof obj.metadata === 'object' ? obj.metadata : {}) as Record<string, unknown>;
  const name = [meta.name, meta.generateName].find((n): n is string => typeof n === 'string' && n !== '') ?? '';
  throw invalid(String(obj.kind), name, causes, group);
}
