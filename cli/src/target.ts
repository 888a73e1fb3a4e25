/** Resolving `TYPE NAME` / `TYPE/NAME` arguments to single objects for mutating verbs. */
import { CliError } from './errors.js';
import { type ResourceType, resourcePath, resourceType, splitTypeNames } from './resources.js';

export interface ObjectRef {
  t: ResourceType;
  name: string;
  ns?: string;
  path: string;
}

export function objectRefs(positionals: string[], namespace: string, allowed?: string[]): ObjectRef[] {
  const groups = splitTypeNames(positionals);
  if (groups.length === 0) throw new CliError('you must provide one or more resources');
  const refs: ObjectRef[] = [];
  for (const g of groups) {
    const t = resourceType(g.type);
    if (allowed && !allowed.includes(t.plural)) {
      throw new CliError(`no objects passed to ${allowed.length ? 'this command' : ''}: ${t.plural} are not supported`);
    }
    if (g.names.length === 0) throw new CliError('resource(s) were provided, but no name was specified');
    for (const name of g.names) {
      const ns = t.namespaced ? namespace : undefined;
      refs.push({ t, name, ns, path: resourcePath(t, ns, name) });
    }
  }
  return refs;
}
