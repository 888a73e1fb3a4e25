// A minimal client of the hub API for the benchmarks: JSON requests over one keep-alive agent
// (timed) and a watch stream that hands each event to a callback with its arrival time.
import { Agent, request } from 'node:https';

export function createApi(hub, { maxSockets = 16 } = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets, ca: hub.caPem });
  const headers = { authorization: `Bearer ${hub.token}`, accept: 'application/json' };

  function call(method, path, body) {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, hub.url), {
        method,
        agent,
        headers: payload
          ? { ...headers, 'content-type': 'application/json', 'content-length': payload.length }
          : headers,
      });
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const ms = performance.now() - t0;
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, body: json, text, ms });
        });
      });
      req.end(payload);
    });
  }

  async function ok(method, path, body) {
    const res = await call(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text.slice(0, 300)}`);
    return res;
  }

  /** Watches `path` (a collection) from `resourceVersion`; `onEvent(type, object, atMs)`. */
  function watch(path, resourceVersion, onEvent) {
    const sep = path.includes('?') ? '&' : '?';
    const req = request(
      new URL(`${path}${sep}watch=true&allowWatchBookmarks=false&resourceVersion=${resourceVersion}`, hub.url),
      {
        headers,
        ca: hub.caPem,
      },
    );
    let buffer = '';
    req.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const at = performance.now();
        buffer += chunk;
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line) {
            const event = JSON.parse(line);
            onEvent(event.type, event.object, at);
          }
          nl = buffer.indexOf('\n');
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', () => undefined);
    req.end();
    return { close: () => req.destroy() };
  }

  return { call, ok, watch, close: () => agent.destroy() };
}

export function readyStatus(node) {
  return node?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}
