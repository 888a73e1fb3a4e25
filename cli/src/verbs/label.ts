/** `peapod label` / `peapod annotate`: `k=v` adds, `k-` removes; `--overwrite` for changes. */
import { bool, flag, GLOBAL_FLAGS, mergeSpecs, parseArgs } from '../args.js';
import { CliError } from '../errors.js';
import type { KubeObj } from '../printers/output.js';
import { kindPrefix, resourcePath, resourceType } from '../resources.js';
import { connect } from '../session.js';
import { type ObjectRef, objectRefs } from '../target.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, {
  values: { selector: 'l', 'resource-version': '' },
  bools: { overwrite: '', all: '', list: '' },
});

export interface MetaChanges {
  set: Record<string, string>;
  remove: string[];
}

/** Splits positionals into resources and `k=v` / `k-` changes. */
export function parseMetaChanges(positionals: string[]): { resources: string[]; changes: MetaChanges } {
  const resources: string[] = [];
  const changes: MetaChanges = { set: {}, remove: [] };
  for (const p of positionals) {
    if (p.includes('=')) {
      const i = p.indexOf('=');
      changes.set[p.slice(0, i)] = p.slice(i + 1);
    } else if (p.endsWith('-') && resources.length > 0) changes.remove.push(p.slice(0, -1));
    else resources.push(p);
  }
  return { resources, changes };
}

/** The merge patch for the changes, checked against `current` like kubectl (`--overwrite`). */
export function metaPatch(
  current: Record<string, string> | undefined,
  changes: MetaChanges,
  overwrite: boolean,
  what: 'labels' | 'annotations',
): { patch: Record<string, string | null>; message: string } {
  const patch: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(changes.set)) {
    const old = current?.[k];
    if (old !== undefined && old !== v && !overwrite) {
      throw new CliError(`'${k}' already has a value (${old}), and --overwrite is false`);
    }
    if (old !== v) patch[k] = v;
  }
  for (const k of changes.remove) {
    if (current?.[k] !== undefined) patch[k] = null;
    else if (what === 'labels') process.stderr.write(`label "${k}" not found.\n`);
  }
  const verb = what === 'labels' ? 'labeled' : 'annotated';
  const removedOnly = Object.values(patch).length > 0 && Object.values(patch).every((v) => v === null);
  const message = Object.keys(patch).length === 0 ? `not ${verb}` : removedOnly && !overwrite ? `un${verb}` : verb;
  return { patch, message };
}

async function runMeta(argv: string[], what: 'labels' | 'annotations'): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const { resources, changes } = parseMetaChanges(args.positionals);
  if (Object.keys(changes.set).length === 0 && changes.remove.length === 0) {
    throw new CliError(`at least one ${what === 'labels' ? 'label' : 'annotation'} update is required`);
  }
  const session = await connect(args);
  let refs: ObjectRef[];
  const selector = flag(args, 'selector');
  if (selector || bool(args, 'all')) {
    const t = resourceType(resources[0] ?? '');
    const ns = t.namespaced ? session.namespace : undefined;
    const list = await session.client.get<{ items: KubeObj[] }>(resourcePath(t, ns), { labelSelector: selector });
    refs = list.items.map((o) => ({ t, name: o.metadata!.name!, ns, path: resourcePath(t, ns, o.metadata!.name!) }));
  } else refs = objectRefs(resources, session.namespace);
  for (const ref of refs) {
    const obj = await session.client.get<KubeObj & { metadata: Record<string, Record<string, string>> }>(ref.path);
    const { patch, message } = metaPatch(obj.metadata[what], changes, bool(args, 'overwrite'), what);
    if (Object.keys(patch).length) {
      await session.client.request('PATCH', ref.path, {
        body: { metadata: { [what]: patch } },
        contentType: 'application/merge-patch+json',
        query: { fieldManager: what === 'labels' ? 'kubectl-label' : 'kubectl-annotate' },
      });
    }
    process.stdout.write(`${kindPrefix(ref.t)}/${ref.name} ${message}\n`);
  }
  return 0;
}

export function run(argv: string[]): Promise<number> {
  return runMeta(argv, 'labels');
}

export function runAnnotate(argv: string[]): Promise<number> {
  return runMeta(argv, 'annotations');
}
