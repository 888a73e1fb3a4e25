import { apiVersionOf, badRequest, isApiError, type KubeObject, type ResourceType } from '@peapod/core';
import type { ListOptions, WatchEvent } from '../store/types.js';
import { boolParam, intParam } from './query.js';
import type { RequestContext } from './request-context.js';
import { sendError, toApiError } from './respond.js';
import { buildTable, parseIncludeObject, wantsTable } from './table.js';

/**
 * `?watch=true`: a long-lived chunked stream of `{"type","object"}` JSON lines (kubectl-wire §4).
 * - no resourceVersion or "0": synthetic ADDED for everything that matches, then changes;
 * - resourceVersion N: every change after N, or one ERROR event carrying 410 Expired when N is older
 *   than the change log keeps;
 * - `allowWatchBookmarks`: BOOKMARK events now and then (and the initial-events-end bookmark with
 *   `sendInitialEvents=true`); `timeoutSeconds` ends the stream; otherwise it stays open until the
 *   client goes away.
 * With a Table Accept header every event's object is a one-row Table.
 */

/** A slow client that lets this much pile up is cut off rather than growing the hub's memory. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export async function serveWatch(ctx: RequestContext, type: ResourceType, listOptions: ListOptions): Promise<void> {
  const { req, res, query, hub } = ctx;
  const resourceVersion = query.get('resourceVersion') ?? '';
  if (resourceVersion !== '' && !/^\d+$/.test(resourceVersion)) {
    throw badRequest(`invalid resourceVersion "${resourceVersion}" for a watch`);
  }
  const timeoutSeconds = intParam(query, 'timeoutSeconds');
  const bookmarks = boolParam(query, 'allowWatchBookmarks');
  const sendInitialParam = query.get('sendInitialEvents');
  const sendInitial =
    sendInitialParam !== null
      ? boolParam(query, 'sendInitialEvents')
      : resourceVersion === '' || resourceVersion === '0';
  const table = wantsTable(req.headers.accept);
  const include = parseIncludeObject(query.get('includeObject'));
  if (!include) throw badRequest(`invalid includeObject "${query.get('includeObject')}"`);

  const render = (event: WatchEvent): string => {
    // The stored JSON spliced in: no re-serialisation per watcher.
    if (!table && event.json !== undefined) return `{"type":"${event.type}","object":${event.json}}\n`;
    let object: unknown = event.object;
    if (table && event.type !== 'BOOKMARK') {
      object = buildTable(type, [event.object], include, hub.now(), event.object.metadata.resourceVersion);
    }
    return `${JSON.stringify({ type: event.type, object })}\n`;
  };

  // Subscribe before writing the head so that selector and resourceVersion errors are plain
  // Status replies; events that arrive meanwhile wait in `pending`.
  const pending: WatchEvent[] = [];
  let live = false;
  let closed = false;
  let unsubscribe: (() => void) | undefined;
  let initial: KubeObject[] = [];
  let startVersion = resourceVersion === '0' ? '' : resourceVersion;
  const write = (chunk: string): void => {
    if (closed) return;
    res.write(chunk);
    if (res.writableLength > MAX_BUFFERED_BYTES) finish();
  };
  const onEvent = (event: WatchEvent): void => {
    if (!live) {
      pending.push(event);
      return;
    }
    // Never let one watcher's failure reach the store's fan-out: end this watch with an ERROR.
    try {
      write(render(event));
    } catch (e) {
      hub.log.error('watch event could not be sent', { error: e });
      write(`${JSON.stringify({ type: 'ERROR', object: toApiError(e).status })}\n`);
      finish();
    }
  };
  try {
    if (sendInitial) {
      const list = hub.service.list(type, listOptions);
      initial = list.items;
      startVersion = list.resourceVersion;
    }
    unsubscribe = hub.service.watch(
      type,
      { ...listOptions, ...(startVersion ? { resourceVersion: startVersion } : {}) },
      onEvent,
    );
  } catch (e) {
    if (isApiError(e) && e.code === 410) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
      res.end(`${JSON.stringify({ type: 'ERROR', object: e.status })}\n`);
      return;
    }
    sendError(res, e, hub.log);
    return;
  }

  let bookmarkTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  function finish(): void {
    if (closed) return;
    closed = true;
    unsubscribe?.();
    clearInterval(bookmarkTimer);
    clearTimeout(timeoutTimer);
    res.end();
  }
  res.on('close', finish);
  req.socket.setKeepAlive(true, 30_000);
  req.socket.setTimeout(0);

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  for (const object of initial) write(render({ type: 'ADDED', object }));
  const bookmark = (annotations?: Record<string, string>): WatchEvent => ({
    type: 'BOOKMARK',
    object: {
      kind: type.kind,
      apiVersion: apiVersionOf(type),
      metadata: { resourceVersion: hub.store.currentResourceVersion(), ...(annotations ? { annotations } : {}) },
    },
  });
  if (sendInitialParam !== null && sendInitial && bookmarks) {
    write(render(bookmark({ 'k8s.io/initial-events-end': 'true' })));
  }
  for (const event of pending.splice(0)) write(render(event));
  live = true;

  if (bookmarks) bookmarkTimer = setInterval(() => write(render(bookmark())), ctx.bookmarkIntervalMs);
  if (timeoutSeconds !== undefined && timeoutSeconds > 0) timeoutTimer = setTimeout(finish, timeoutSeconds * 1000);
}
