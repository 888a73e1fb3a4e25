import { RESOURCE_TYPES, type ResourceType } from '@peapod/core';
import { METRICS_GROUP, METRICS_RESOURCES, METRICS_VERSION } from './metrics.js';

/**
 * Discovery documents built from core RESOURCE_TYPES: aggregated discovery v2 (what kubectl 1.32
 * asks for first), the legacy APIVersions / APIGroupList / APIResourceList, `/version` and the
 * minimal OpenAPI v3 that lets `kubectl apply` leave validation to the server (kubectl-wire §1, §6).
 */

export const AGGREGATED_DISCOVERY_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** True when the Accept header asks for aggregated discovery v2. */
export function wantsAggregatedDiscovery(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return (
      params.includes('as=APIGroupDiscoveryList') && params.includes('v=v2') && params.includes('g=apidiscovery.k8s.io')
    );
  });
}

interface SubresourceInfo {
  responseKind: { group: string; version: string; kind: string };
  verbs: string[];
}

function subresourceInfo(type: ResourceType, sub: string): SubresourceInfo {
  const self = { group: type.group, version: type.version, kind: type.kind };
  switch (sub) {
    case 'status':
      return { responseKind: self, verbs: ['get', 'patch', 'update'] };
    case 'scale':
      return {
        responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
        verbs: ['get', 'patch', 'update'],
      };
    case 'log':
      return { responseKind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] };
    case 'exec':
      return { responseKind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] };
    case 'binding':
      return { responseKind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] };
    case 'eviction':
      return { responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] };
    default:
      return { responseKind: self, verbs: ['get'] };
  }
}

/**
 * Groups served outside RESOURCE_TYPES: the read-only metrics API, and `policy/v1`, which has no
 * resources of its own here but tells kubectl drain that pods/eviction is served.
 */
interface StaticGroup {
  group: string;
  version: string;
  resources: { resource: string; singular: string; kind: string; namespaced: boolean; verbs: string[] }[];
}

export const STATIC_GROUPS: readonly StaticGroup[] = [
  {
    group: METRICS_GROUP,
    version: METRICS_VERSION,
    resources: METRICS_RESOURCES.map((r) => ({ ...r, verbs: ['get', 'list'] })),
  },
  { group: 'policy', version: 'v1', resources: [] },
];

function staticGroup(group: string): StaticGroup | undefined {
  return STATIC_GROUPS.find((g) => g.group === group);
}

/** Named groups: those of RESOURCE_TYPES, then the static ones. */
function groups(): string[] {
  return [...new Set(RESOURCE_TYPES.map((t) => t.group).filter((g) => g !== '')), ...STATIC_GROUPS.map((g) => g.group)];
}

function typesOf(group: string, version?: string): ResourceType[] {
  return RESOURCE_TYPES.filter((t) => t.group === group && (version === undefined || t.version === version));
}

function versionsOf(group: string): string[] {
  const fixed = staticGroup(group);
  if (fixed) return [fixed.version];
  return [...new Set(typesOf(group).map((t) => t.version))];
}

function aggregatedStaticGroup(fixed: StaticGroup) {
  return {
    metadata: { name: fixed.group, creationTimestamp: null },
    versions: [
      {
        version: fixed.version,
        freshness: 'Current',
        resources: fixed.resources.map((r) => ({
          resource: r.resource,
          responseKind: { group: fixed.group, version: fixed.version, kind: r.kind },
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: r.singular,
          verbs: r.verbs,
        })),
      },
    ],
  };
}

function aggregatedGroup(group: string) {
  const fixed = staticGroup(group);
  if (fixed) return aggregatedStaticGroup(fixed);
  return {
    metadata: { name: group, creationTimestamp: null },
    versions: versionsOf(group).map((version) => ({
      version,
      freshness: 'Current',
      resources: typesOf(group, version).map((t) => ({
        resource: t.plural,
        responseKind: { group: t.group, version: t.version, kind: t.kind },
        scope: t.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: t.singular,
        verbs: t.verbs,
        ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
        ...(t.categories.length ? { categories: t.categories } : {}),
        ...(t.subresources.length
          ? { subresources: t.subresources.map((s) => ({ subresource: s, ...subresourceInfo(t, s) })) }
          : {}),
      })),
    })),
  };
}

/** `/api` (core group, name "") or `/apis` (every named group) as an APIGroupDiscoveryList. */
export function aggregatedDiscovery(prefix: 'api' | 'apis') {
  const items = prefix === 'api' ? [aggregatedGroup('')] : groups().map(aggregatedGroup);
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: versionsOf(''),
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(group: string) {
  const versions = versionsOf(group).map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList() {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups().map(apiGroup) };
}

export function apiGroupDocument(group: string) {
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) };
}

export function apiResourceList(group: string, version: string) {
  const fixed = staticGroup(group);
  if (fixed) {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: `${fixed.group}/${fixed.version}`,
      resources: fixed.resources.map((r) => ({
        name: r.resource,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
      })),
    };
  }
  const resources = typesOf(group, version).flatMap((t) => [
    {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
    },
    ...t.subresources.map((s) => {
      const info = subresourceInfo(t, s);
      return {
        name: `${t.plural}/${s}`,
        singularName: '',
        namespaced: t.namespaced,
        // Another group's kind (Scale, Eviction) names its group and version, as upstream does;
        // kubectl drain looks for pods/eviction with both set.
        ...(info.responseKind.group !== t.group || info.responseKind.version !== t.version
          ? { group: info.responseKind.group, version: info.responseKind.version }
          : {}),
        kind: info.responseKind.kind,
        verbs: info.verbs,
      };
    }),
  ]);
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };

/** Kubernetes minor "32" so version-dispatching kubectl wrappers pick kubectl 1.32. */
export function versionInfo(peapodVersion: string) {
  return {
    major: '1',
    minor: '32',
    gitVersion: `v1.32.0-peapod.${peapodVersion}`,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
    goVersion: `node${process.version}`,
    compiler: 'peapod',
    platform: `${process.platform}/${ARCH[process.arch] ?? process.arch}`,
  };
}
