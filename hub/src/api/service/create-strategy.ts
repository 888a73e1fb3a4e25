import type { KubeObject, ResourceType } from '@peapod/core';
import { qosClass } from '@peapod/core';

/**
 * What apiserver's `PrepareForCreate` does to a new object, per kind: a client cannot create an
 * object in a state only controllers and agents may report.
 */
export function prepareForCreate(type: ResourceType, object: KubeObject): void {
  switch (type.kind) {
    case 'Pod':
      object.status = { phase: 'Pending', qosClass: qosClass(object) };
      break;
    case 'Namespace':
      object.spec = { ...(object.spec ?? {}), finalizers: ['kubernetes'] };
      object.status = { phase: 'Active' };
      break;
    case 'Service':
      object.status = { loadBalancer: {} };
      break;
    case 'Deployment':
      object.status = {};
      break;
    case 'ReplicaSet':
      object.status = { replicas: 0 };
      break;
    default:
      // Nodes register with their status; Endpoints and Events have none.
      break;
  }
}
