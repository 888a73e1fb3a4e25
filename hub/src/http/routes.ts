import { apiVersionOf, RESOURCE_TYPES, type ResourceType } from '@peapod/core';
import { STATIC_GROUPS } from './discovery.js';
import { METRICS_GROUP, METRICS_VERSION, type MetricsTarget, parseMetricsPath } from './metrics.js';

/**
 * URL layout of the Kubernetes REST API, parsed into a route:
 *   /api/v1[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]]
 *   /apis/{group}/{version}[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]]
 * plus the legacy `/watch/` prefix after the group version (`/api/v1/watch/pods`).
 */

export type Route =
  | { kind: 'version' }
  | { kind: 'health'; check: string }
  | { kind: 'discovery-root'; prefix: 'api' | 'apis' }
  | { kind: 'discovery-group'; group: string }
  | { kind: 'discovery-version'; group: string; version: string }
  | { kind: 'openapi'; path: string }
  | { kind: 'resource'; target: ResourceTarget }
  | { kind: 'metrics'; target: MetricsTarget }
  | { kind: 'prometheus' }
  | { kind: 'not-found' };

export interface ResourceTarget {
  type: ResourceType;
  /** Namespace from the URL (namespaced types only); undefined = all namespaces or cluster scope. */
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The URL used the legacy `/watch/` prefix. */
  legacyWatch: boolean;
}

const HEALTH = new Set(['healthz', 'livez', 'readyz']);

function typeFor(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

export function hasGroupVersion(group: string, version?: string): boolean {
  return RESOURCE_TYPES.some((t) => t.group === group && (version === undefined || t.version === version));
}

export function parseRoute(pathname: string): Route {
  let segments: string[];
  try {
    segments = pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return { kind: 'not-found' };
  }
  const [first, ...rest] = segments;
  if (first === 'version' && rest.length === 0) return { kind: 'version' };
  if (first === 'metrics' && rest.length === 0) return { kind: 'prometheus' };
  if (HEALTH.has(first)) return { kind: 'health', check: [first, ...rest].join('/') };
  if (first === 'openapi') return { kind: 'openapi', path: rest.join('/') };

  let group: string;
  let version: string | undefined;
  let tail: string[];
  if (first === 'api') {
    if (rest.length === 0) return { kind: 'discovery-root', prefix: 'api' };
    group = '';
    [version, ...tail] = rest;
  } else if (first === 'apis') {
    if (rest.length === 0) return { kind: 'discovery-root', prefix: 'apis' };
    group = rest[0];
    if (group === METRICS_GROUP) return metricsRoute(rest.slice(1));
    const fixed = STATIC_GROUPS.find((g) => g.group === group);
    if (fixed) {
      if (rest.length === 1) return { kind: 'discovery-group', group };
      if (rest.length === 2 && rest[1] === fixed.version)
        return { kind: 'discovery-version', group, version: fixed.version };
      return { kind: 'not-found' };
    }
    if (rest.length === 1) return hasGroupVersion(group) ? { kind: 'discovery-group', group } : { kind: 'not-found' };
    [version, ...tail] = rest.slice(1);
  } else {
    return { kind: 'not-found' };
  }
  if (!hasGroupVersion(group, version)) return { kind: 'not-found' };
  if (tail.length === 0) return { kind: 'discovery-version', group, version };

  const legacyWatch = tail[0] === 'watch';
  if (legacyWatch) tail = tail.slice(1);
  return resourceRoute(group, version, tail, legacyWatch);
}

function resourceRoute(group: string, version: string, tail: string[], legacyWatch: boolean): Route {
  // /namespaces/{ns}/status is the Namespace's own subresource, not a namespaced list.
  const namespaceSubresource = group === '' && tail.length === 3 && isNamespaceSubresource(tail[2]);
  if (tail[0] === 'namespaces' && tail.length >= 3 && !namespaceSubresource) {
    const [, namespace, plural, name, subresource, ...extra] = tail;
    const type = typeFor(group, version, plural);
    if (!type?.namespaced || extra.length > 0) return { kind: 'not-found' };
    return { kind: 'resource', target: { type, namespace, name, subresource, legacyWatch } };
  }
  // /{plural}[/{name}[/{sub}]]: cluster-scoped objects, or all-namespaces lists of namespaced types.
  const [plural, name, subresource, ...extra] = tail;
  const type = typeFor(group, version, plural);
  if (!type || extra.length > 0) return { kind: 'not-found' };
  if (type.namespaced && name !== undefined) return { kind: 'not-found' };
  return { kind: 'resource', target: { type, name, subresource, legacyWatch } };
}

function isNamespaceSubresource(segment: string): boolean {
  return segment === 'status' || segment === 'finalize';
}

export function groupVersionPath(type: ResourceType): string {
  return type.group ? `/apis/${apiVersionOf(type)}` : `/api/${type.version}`;
}

function metricsRoute(rest: string[]): Route {
  if (rest.length === 0) return { kind: 'discovery-group', group: METRICS_GROUP };
  if (rest[0] !== METRICS_VERSION) return { kind: 'not-found' };
  if (rest.length === 1) return { kind: 'discovery-version', group: METRICS_GROUP, version: METRICS_VERSION };
  const target = parseMetricsPath(rest.slice(1));
  return target ? { kind: 'metrics', target } : { kind: 'not-found' };
}

/** A request's URL and route, parsed once per request. */
export interface RequestTarget {
  url: URL;
  route: Route;
}

/** The target of a request line; undefined when it is not a URL path at all (e.g. `//[`). */
export function parseTarget(requestUrl: string | undefined): RequestTarget | undefined {
  let url: URL;
  try {
    url = new URL(requestUrl ?? '/', 'http://hub');
  } catch {
    return undefined;
  }
  return { url, route: parseRoute(url.pathname) };
}
