import { type PodEventsReport, type ResourceType, resolveResourceType } from '@peapod/core';
import type { ResourceService } from '../api/service-types.js';
import type { Logger } from '../component.js';
import { createEventRecorder, EventDedupeCache, type EventRecorder } from '../controllers/events.js';
import { getIfExists } from '../controllers/objects.js';

const PODS = resolveResourceType('pods') as ResourceType;

/**
 * Turns the agents' kubelet-style pod events (Pulled, Started, BackOff, Unhealthy, Killing …) into
 * v1 Events with `source.component: kubelet` and `source.host: <node>`, so `describe pod` shows
 * them as on a real cluster. A node only ever records events for its own pods: an event about a
 * pod that is not bound to it (or a stale uid) is dropped. Times are hub time.
 */
export class PodEventWriter {
  readonly #recorders = new Map<string, EventRecorder>();
  /** One dedupe cache for all nodes (its key holds the node): memory does not grow with the fleet. */
  readonly #cache = new EventDedupeCache();

  constructor(
    private readonly service: ResourceService,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  handle(nodeName: string, report: PodEventsReport): void {
    for (const event of report.events) {
      const pod = getIfExists(this.service, PODS, event.namespace, event.name);
      if (!pod) continue;
      if (pod.metadata.uid !== event.uid || pod.spec?.nodeName !== nodeName) {
        this.log.debug('mqtt: pod event for a pod of another node ignored', { node: nodeName, pod: event.name });
        continue;
      }
      this.#recorder(nodeName).event(pod, event.type, event.reason, event.message, event.fieldPath);
    }
  }

  #recorder(nodeName: string): EventRecorder {
    let recorder = this.#recorders.get(nodeName);
    if (!recorder) {
      recorder = createEventRecorder(this.service, 'kubelet', {
        now: this.now,
        host: nodeName,
        log: this.log,
        cache: this.#cache,
      });
      this.#recorders.set(nodeName, recorder);
    }
    return recorder;
  }
}
