import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HubContext } from '../component.js';

/** What a route handler gets for one request. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  query: URLSearchParams;
  hub: HubContext;
  /** How often a watch that allows bookmarks gets one. */
  bookmarkIntervalMs: number;
}
