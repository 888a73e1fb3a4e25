import { invalid, type KubeObject, type ResourceType, resolveResourceType, type Service } from '@peapod/core';
import {
  allocateServiceAddresses,
  DEFAULT_SERVICE_ALLOCATOR_OPTIONS,
  type ServiceAllocatorOptions,
} from '../../services/allocator.js';
import type { AdmissionContext, AdmissionPlugin } from './types.js';

const SERVICES = resolveResourceType('services') as ResourceType;

/**
 * Assigns a Service's clusterIP and node ports on create and keeps them on update (a PUT or an
 * apply that leaves them out keeps what was allocated; a port that changes type gets one).
 */
export function serviceAddressAdmission(
  options: ServiceAllocatorOptions = DEFAULT_SERVICE_ALLOCATOR_OPTIONS,
): AdmissionPlugin {
  /** The Services that hold addresses besides `self` (itself excluded on update). */
  const otherServices = (context: AdmissionContext, self: KubeObject) =>
    (context.list(SERVICES).items as Service[]).filter(
      (s) => s.metadata.name !== self.metadata.name || s.metadata.namespace !== self.metadata.namespace,
    );

  const admit = (object: KubeObject, existing: Service[]) => {
    const service = object as Service;
    const causes = allocateServiceAddresses(service, existing, options);
    if (causes.length) throw invalid('Service', service.metadata.name ?? '', causes);
  };

  return {
    name: 'ServiceAddresses',
    admitCreate(type, object, context) {
      if (type.kind !== 'Service') return;
      admit(object, context.list(SERVICES).items as Service[]);
    },
    admitUpdate(type, object, old, context) {
      if (type.kind !== 'Service') return;
      const next = object as Service;
      const prev = old as Service;
      if (!next.spec.clusterIP && prev.spec.clusterIP) next.spec.clusterIP = prev.spec.clusterIP;
      for (const port of next.spec.ports ?? []) {
        if (port.nodePort) continue;
        const same = prev.spec.ports?.find(
          (p) => p.port === port.port && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'),
        );
        if (same?.nodePort) port.nodePort = same.nodePort;
      }
      admit(object, otherServices(context, object));
    },
  };
}
