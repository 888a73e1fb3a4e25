/** `peapod get`: server-side Tables like kubectl, plus json/yaml/name/jsonpath/custom-columns and `-w`. */
import { bool, flag, flagAll, GLOBAL_FLAGS, mergeSpecs, parseArgs } from '../args.js';
import { StatusError, TABLE_ACCEPT } from '../client.js';
import { CliError, ExitError, formatStatusError } from '../errors.js';
import { type KubeObj, type OutputFormat, parseOutputFlag, printObjects } from '../printers/output.js';
import { isTable, type Table, TablePrinter } from '../printers/table.js';
import {
  apiVersionOf,
  kindPrefix,
  RESOURCE_TYPES,
  type ResourceType,
  resourcePath,
  resourceType,
  splitTypeNames,
} from '../resources.js';
import { connect } from '../session.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, {
  values: { output: 'o', selector: 'l', 'field-selector': '', 'label-columns': 'L', 'chunk-size': '' },
  bools: {
    'all-namespaces': 'A',
    watch: 'w',
    'watch-only': '',
    'show-labels': '',
    'no-headers': '',
    'ignore-not-found': '',
    'show-kind': '',
  },
  repeatable: ['label-columns'],
});

/** `kubectl get all` lists the category `all` in discovery order. */
const ALL_ORDER = ['pods', 'services', 'deployments', 'replicasets'];

export function expandTypes(type: string): ResourceType[] {
  return type
    .split(',')
    .flatMap((t) =>
      t === 'all'
        ? ALL_ORDER.map((p) => RESOURCE_TYPES.find((r) => r.plural === p)!).filter((r) => r.categories.includes('all'))
        : [resourceType(t)],
    );
}

export function noResourcesMessage(t: ResourceType | undefined, namespace: string | undefined): string {
  return t?.namespaced && namespace ? `No resources found in ${namespace} namespace.` : 'No resources found';
}

function withKind(obj: KubeObj, t: ResourceType): KubeObj {
  return { apiVersion: apiVersionOf(t), kind: t.kind, ...obj };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  if (args.positionals.length === 0) {
    throw new CliError(
      `Required resource not specified.\nUse "peapod explain <resource>" for a detailed description of that resource (e.g. peapod explain pods).\nSee 'peapod get -h' for help and examples`,
    );
  }
  const groups = splitTypeNames(args.positionals).flatMap((g) =>
    expandTypes(g.type).map((t) => ({ t, names: g.names })),
  );
  let fmt: OutputFormat = parseOutputFlag(flag(args, 'output'));
  const wide = fmt.kind === 'wide';
  if (wide) fmt = { kind: 'table' };
  const session = await connect(args);
  const client = session.client;
  const allNs = bool(args, 'all-namespaces');
  const ns = allNs ? undefined : session.namespace;
  const multiKind = groups.length > 1 || bool(args, 'show-kind');
  const selector = flag(args, 'selector');
  const fieldSelector = flag(args, 'field-selector');
  const ignoreNotFound = bool(args, 'ignore-not-found');
  const watch = bool(args, 'watch') || bool(args, 'watch-only');
  const tableOut = fmt.kind === 'table';
  const accept = tableOut ? TABLE_ACCEPT : 'application/json';
  const out: string[] = [];
  const errors: string[] = [];
  let printedAny = false;
  let lastRv: string | undefined;
  const printers = new Map<ResourceType, TablePrinter>();
  const printerFor = (t: ResourceType) => {
    let p = printers.get(t);
    if (!p) {
      p = new TablePrinter({
        wide,
        noHeaders: bool(args, 'no-headers'),
        showLabels: bool(args, 'show-labels'),
        withNamespace: allNs && t.namespaced,
        kindPrefix: multiKind ? kindPrefix(t) : undefined,
        labelColumns: flagAll(args, 'label-columns').flatMap((l) => l.split(',')),
      });
      printers.set(t, p);
    }
    return p;
  };
  const plain: KubeObj[] = [];
  for (const { t, names } of groups) {
    const tables: Table[] = [];
    if (names.length) {
      for (const name of names) {
        try {
          const obj = await client.get<KubeObj | Table>(
            resourcePath(t, ns ?? session.namespace, name),
            undefined,
            accept,
          );
          if (isTable(obj)) tables.push(obj);
          else plain.push(withKind(obj as KubeObj, t));
        } catch (e) {
          if (e instanceof StatusError && e.httpCode === 404 && ignoreNotFound) continue;
          if (e instanceof StatusError) errors.push(formatStatusError(e));
          else throw e;
        }
      }
    } else {
      const list = await client.get<{ items?: KubeObj[]; metadata?: { resourceVersion?: string } } | Table>(
        resourcePath(t, ns),
        { labelSelector: selector, fieldSelector, limit: 500 },
        accept,
      );
      lastRv = list.metadata?.resourceVersion;
      if (isTable(list)) tables.push(list);
      else plain.push(...(list.items ?? []).map((i) => withKind(i, t)));
    }
    if (tableOut && !(watch && bool(args, 'watch-only'))) {
      const rows = tables.flatMap((tb) => tb.rows ?? []);
      if (rows.length === 0) continue;
      const merged: Table = { ...tables[0], rows };
      if (printedAny && !watch) out.push('\n');
      out.push(printerFor(t).print(merged));
      printedAny = true;
    }
  }
  if (!tableOut && !(watch && bool(args, 'watch-only'))) {
    const single = groups.length === 1 && groups[0].names.length === 1;
    if (plain.length || fmt.kind === 'json' || fmt.kind === 'yaml') {
      out.push(
        await printObjects(plain, fmt, {
          single,
          noHeaders: bool(args, 'no-headers'),
          kindPrefix: (o) => kindPrefix(RESOURCE_TYPES.find((r) => r.kind === o.kind) ?? groups[0].t),
        }),
      );
      printedAny = plain.length > 0;
    }
  }
  process.stdout.write(out.join(''));
  for (const e of errors) process.stderr.write(`${e}\n`);
  const anyNames = groups.some((g) => g.names.length > 0);
  if (!printedAny && !anyNames && errors.length === 0 && !watch && (tableOut || fmt.kind === 'name')) {
    process.stderr.write(`${noResourcesMessage(groups[0]?.t, ns)}\n`);
  }
  if (watch) {
    if (groups.length !== 1) throw new CliError('you may only specify a single resource type');
    const { t, names } = groups[0];
    if (names.length > 1)
      throw new CliError(
        'watch is only supported on individual resources and resource collections, but 2 resources were found',
      );
    const printer = printerFor(t);
    let defs: Table['columnDefinitions'];
    let skippedInitial = false;
    const fs = names.length ? `metadata.name=${names[0]}` : fieldSelector;
    await client.watch(
      resourcePath(t, ns),
      {
        labelSelector: selector,
        fieldSelector: fs,
        resourceVersion: names.length ? '0' : lastRv,
      },
      async (_type, object) => {
        if (tableOut && isTable(object)) {
          defs = object.columnDefinitions?.length ? object.columnDefinitions : defs;
          // A named watch starts at resourceVersion 0: its first ADDED repeats the row already printed.
          if (names.length && _type === 'ADDED' && printedAny && !skippedInitial) {
            skippedInitial = true;
            return undefined;
          }
          process.stdout.write(printer.print({ ...object, columnDefinitions: defs }));
        } else if (tableOut) {
          // The server sent plain objects: NAME and AGE only, like kubectl against a server without Tables.
          const meta = (object as KubeObj).metadata ?? {};
          process.stdout.write(
            printer.print({
              kind: 'Table',
              columnDefinitions: [{ name: 'Name', format: 'name' }],
              rows: [{ cells: [meta.name], object: { metadata: meta as never } }],
            }),
          );
        } else {
          process.stdout.write(await printObjects([withKind(object as KubeObj, t)], fmt, { single: true }));
        }
        return undefined;
      },
      accept,
    );
  }
  if (errors.length) throw new ExitError(1);
  return 0;
}
