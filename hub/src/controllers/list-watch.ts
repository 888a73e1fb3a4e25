import type { KubeObject, ResourceType } from '@peapod/core';
import type { ResourceService } from '../api/service-types.js';
import type { WatchEventType } from '../store/types.js';

/**
 * Lists `type` and then watches it from the list's resourceVersion, handing every current object
 * to `handle` as ADDED and every later change as it happens (bookmarks are skipped). Returns the
 * function that stops the watch.
 */
export function listAndWatch<T extends KubeObject>(
  service: ResourceService,
  type: ResourceType,
  handle: (type: Exclude<WatchEventType, 'BOOKMARK'>, object: T) => void,
): () => void {
  const list = service.list(type);
  for (const item of list.items) handle('ADDED', item as T);
  return service.watch(type, { resourceVersion: list.resourceVersion }, (event) => {
    if (event.type !== 'BOOKMARK') handle(event.type, event.object as T);
  });
}
