/** Waiting for objects to change or disappear, driven by watches (no polling loops). */
import { type Client, StatusError } from './client.js';
import type { KubeObj } from './printers/output.js';
import { type ResourceType, resourcePath } from './resources.js';

/** Resolves once `name` (with `uid`, if given) is gone. */
export async function waitForDeletion(
  client: Client,
  t: ResourceType,
  ns: string | undefined,
  name: string,
  uid?: string,
): Promise<void> {
  for (;;) {
    let list: { items?: KubeObj[]; metadata?: { resourceVersion?: string } };
    try {
      list = await client.get(resourcePath(t, ns), { fieldSelector: `metadata.name=${name}`, limit: 500 });
    } catch (e) {
      if (e instanceof StatusError && e.httpCode === 404) return;
      throw e;
    }
    const live = (list.items ?? []).find(
      (o) => o.metadata?.name === name && (!uid || (o.metadata as { uid?: string }).uid === uid),
    );
    if (!live) return;
    let gone = false;
    try {
      await client.watch(
        resourcePath(t, ns),
        {
          fieldSelector: `metadata.name=${name}`,
          resourceVersion: list.metadata?.resourceVersion,
          allowWatchBookmarks: 'true',
        },
        (type, obj) => {
          const o = obj as KubeObj;
          if (type === 'DELETED' && (!uid || (o.metadata as { uid?: string })?.uid === uid)) gone = true;
          return gone;
        },
      );
    } catch (e) {
      // 410 Expired: list again and resume.
      if (!(e instanceof StatusError && e.httpCode === 410)) throw e;
    }
    if (gone) return;
  }
}

/**
 * Watches one object until `done(obj)` returns true; calls `onChange` for each version seen.
 * Re-lists when the server closes the watch.
 */
export async function watchObject(
  client: Client,
  t: ResourceType,
  ns: string | undefined,
  name: string,
  done: (obj: KubeObj) => boolean,
): Promise<KubeObj> {
  for (;;) {
    const list = await client.get<{ items?: KubeObj[]; metadata?: { resourceVersion?: string } }>(resourcePath(t, ns), {
      fieldSelector: `metadata.name=${name}`,
      limit: 500,
    });
    const obj = (list.items ?? []).find((o) => o.metadata?.name === name);
    if (!obj)
      throw new StatusError(
        404,
        {
          kind: 'Status',
          reason: 'NotFound',
          code: 404,
          message: `${t.group ? `${t.plural}.${t.group}` : t.plural} "${name}" not found`,
        },
        true,
      );
    if (done(obj)) return obj;
    let result: KubeObj | undefined;
    try {
      await client.watch(
        resourcePath(t, ns),
        { fieldSelector: `metadata.name=${name}`, resourceVersion: list.metadata?.resourceVersion },
        (type, o) => {
          if (type === 'DELETED') return false;
          if (type !== 'ADDED' && type !== 'MODIFIED') return false;
          if (done(o as KubeObj)) {
            result = o as KubeObj;
            return true;
          }
          return false;
        },
      );
    } catch (e) {
      if (!(e instanceof StatusError && e.httpCode === 410)) throw e;
    }
    if (result) return result;
  }
}
