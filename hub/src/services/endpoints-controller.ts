import {
  type Endpoints,
  isApiError,
  type Pod,
  type ResourceType,
  resolveResourceType,
  type Service,
} from '@peapod/core';
import type { HubComponent, HubContext } from '../component.js';
import { getIfExists } from '../controllers/objects.js';
import { createWorkQueue, type WorkQueue } from '../controllers/work-queue.js';
import { computeEndpoints, endpointsObject, matchesSelector } from './endpoints.js';

const SERVICES = resolveResourceType('services') as ResourceType;
const PODS = resolveResourceType('pods') as ResourceType;
const ENDPOINTS = resolveResourceType('endpoints') as ResourceType;

/**
 * Keeps one Endpoints object per selector Service up to date (k8s-semantics §11). Event-driven:
 * a pod change re-syncs only the Services of its namespace whose selector matched the pod before
 * or after the change; a readiness flip therefore reaches Endpoints within one store round trip.
 */
export function createEndpointsController(): HubComponent {
  let queue: WorkQueue | undefined;
  const unsubscribe: (() => void)[] = [];

  return {
    name: 'endpoints-controller',
    start(context: HubContext) {
      const { service: api } = context;
      const work = createWorkQueue({
        name: 'endpoints',
        log: context.log,
        process: (key) => context.store.batch(() => syncService(context, key)),
      });
      queue = work;
      /** Labels each pod had when last seen, so a label change re-syncs the Services it left. */
      const lastLabels = new Map<string, Record<string, string>>();

      const servicesSelecting = (namespace: string, labels: (Record<string, string> | undefined)[]) =>
        api
          .list(SERVICES, { namespace })
          .items.filter((s) => {
            const sel = (s as Service).spec.selector;
            if (!sel || Object.keys(sel).length === 0) return false;
            return labels.some((l) => l !== undefined && matchesSelector(sel, l));
          })
          .map((s) => `${namespace}/${s.metadata.name}`);

      unsubscribe.push(
        api.watch(SERVICES, {}, (event) => {
          const { namespace, name } = event.object.metadata;
          work.add(`${namespace}/${name}`);
        }),
      );
      unsubscribe.push(
        api.watch(PODS, {}, (event) => {
          const pod = event.object as Pod;
          const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
          const before = lastLabels.get(key);
          if (event.type === 'DELETED') lastLabels.delete(key);
          else lastLabels.set(key, { ...(pod.metadata.labels ?? {}) });
          for (const svc of servicesSelecting(pod.metadata.namespace ?? 'default', [before, pod.metadata.labels])) {
            work.add(svc);
          }
        }),
      );
      for (const s of api.list(SERVICES).items) work.add(`${s.metadata.namespace}/${s.metadata.name}`);
      for (const p of api.list(PODS).items) {
        lastLabels.set(`${p.metadata.namespace}/${p.metadata.name}`, { ...(p.metadata.labels ?? {}) });
      }
    },
    stop() {
      for (const u of unsubscribe.splice(0)) u();
      queue?.shutDown();
    },
  };
}

function syncService(context: HubContext, key: string): void {
  const api = context.service;
  const [namespace, name] = key.split('/');
  const service = getIfExists<Service>(context.service, SERVICES, namespace, name);
  const current = getIfExists<Endpoints>(context.service, ENDPOINTS, namespace, name);
  if (!service?.spec.selector || Object.keys(service.spec.selector).length === 0) {
    // Endpoints of selector-less Services are the user's to manage; those we made go with the Service.
    if (current && !service && current.metadata.labels?.['endpoints.peapod.io/managed'] === 'true') {
      try {
        api.delete(ENDPOINTS, namespace, name);
      } catch (error) {
        if (!isApiError(error) || error.code !== 404) throw error;
      }
    }
    return;
  }
  const pods = api.list(PODS, { namespace }).items as Pod[];
  const desired = endpointsObject(service, computeEndpoints(service, pods));
  desired.metadata.labels = { ...desired.metadata.labels, 'endpoints.peapod.io/managed': 'true' };
  if (!current) {
    api.create(ENDPOINTS, namespace, desired, { fieldManager: 'endpoints-controller' });
    return;
  }
  if (sameEndpoints(current, desired)) return;
  api.mutate(
    ENDPOINTS,
    namespace,
    name,
    (obj) => {
      const ep = obj as Endpoints;
      ep.subsets = desired.subsets;
      ep.metadata.labels = desired.metadata.labels;
      return ep;
    },
    { fieldManager: 'endpoints-controller' },
  );
}

function sameEndpoints(a: Endpoints, b: Endpoints): boolean {
  return (
    JSON.stringify(a.subsets ?? []) === JSON.stringify(b.subsets ?? []) &&
    JSON.stringify(a.metadata.labels ?? {}) === JSON.stringify(b.metadata.labels ?? {})
  );
}
