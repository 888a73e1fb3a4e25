/** Resource type resolution and REST paths, built on '@peapod/core' RESOURCE_TYPES. */
import { apiVersionOf, RESOURCE_TYPES, type ResourceType, resolveResourceType } from '@peapod/core/resources';
import { CliError } from './errors.js';

export type { ResourceType };
export { apiVersionOf, RESOURCE_TYPES };

export function resourceType(name: string): ResourceType {
  const t = resolveResourceType(name);
  if (!t) throw new CliError(`the server doesn't have a resource type "${name}"`);
  return t;
}

export function typeForKind(kind: string, apiVersion?: string): ResourceType {
  const t = RESOURCE_TYPES.find((r) => r.kind === kind && (!apiVersion || apiVersionOf(r) === apiVersion));
  if (!t) {
    throw new CliError(
      `resource mapping not found for name: "" namespace: "" from "": no matches for kind "${kind}" in version "${apiVersion ?? ''}"`,
    );
  }
  return t;
}

/** `/api/v1/namespaces/ns/pods/name/sub` (namespace omitted for cluster-scoped types or when listing across all). */
export function resourcePath(t: ResourceType, namespace?: string, name?: string, sub?: string): string {
  let p = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  if (t.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${t.plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (sub) p += `/${sub}`;
  return p;
}

/** `pod`, `deployment.apps` — the prefix kubectl prints in `pod/x created`. */
export function kindPrefix(t: ResourceType): string {
  return t.group ? `${t.singular}.${t.group}` : t.singular;
}

/** `pods`, `deployments.apps` — how Status messages name a resource. */
export function qualifiedPlural(t: ResourceType): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

/** Splits `TYPE/NAME` or `TYPE NAME…` arguments into (type, names) groups, like kubectl's resource builder. */
export function splitTypeNames(args: string[]): { type: string; names: string[] }[] {
  if (args.length === 0) return [];
  if (args.every((a) => a.includes('/'))) {
    return args.map((a) => {
      const i = a.indexOf('/');
      return { type: a.slice(0, i), names: [a.slice(i + 1)] };
    });
  }
  if (args.some((a) => a.includes('/'))) {
    throw new CliError(
      "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'peapod get resource/<resource_name>' instead of 'peapod get resource resource/<resource_name>')",
    );
  }
  const [types, ...names] = args;
  return types.split(',').map((type) => ({ type, names }));
}
