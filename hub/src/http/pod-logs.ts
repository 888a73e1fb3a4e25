import { methodNotAllowed } from '@peapod/core';
import type { LogRequest } from '../api/node-proxy.js';
import { resolvePodStreamTarget } from './pod-target.js';
import { boolParam, intParam } from './query.js';
import type { RequestContext } from './request-context.js';
import { sendError } from './respond.js';
import type { ResourceTarget } from './routes.js';

/**
 * GET pods/{name}/log: the container's log as `text/plain`, relayed from the pod's node through
 * `HubContext.nodeProxy`; with `follow=true` a chunked stream that ends when the client leaves or
 * the container's log ends.
 */
export async function handlePodLogs(ctx: RequestContext, target: ResourceTarget): Promise<void> {
  if (ctx.req.method !== 'GET') throw methodNotAllowed();
  const { query, res, hub } = ctx;
  const request: LogRequest = {
    container: '',
    follow: boolParam(query, 'follow'),
    previous: boolParam(query, 'previous'),
    timestamps: boolParam(query, 'timestamps'),
    tailLines: intParam(query, 'tailLines'),
    sinceSeconds: intParam(query, 'sinceSeconds', 1),
    limitBytes: intParam(query, 'limitBytes', 1),
  };
  const pod = hub.service.get(target.type, target.namespace, target.name!);
  const stream = resolvePodStreamTarget(hub, pod, query.get('container'), 'logs');
  request.container = stream.container;

  const abort = new AbortController();
  res.on('close', () => abort.abort());
  const start = (): void => {
    if (res.headersSent) return;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  };
  try {
    await stream.proxy.logs(
      stream.nodeName,
      stream.ref,
      request,
      (chunk) => {
        if (abort.signal.aborted) return;
        start();
        res.write(chunk);
      },
      abort.signal,
    );
    start();
    res.end();
  } catch (e) {
    if (!res.headersSent) sendError(res, e, hub.log);
    else res.end();
  }
}
