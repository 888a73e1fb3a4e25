/** Non-table output formats: `-o json|yaml|name|jsonpath=…|custom-columns=…`. */
import { CliError } from '../errors.js';
import { executeTemplate, relaxedTemplate } from './jsonpath.js';
import { formatRows } from './tabwriter.js';

export type KubeObj = Record<string, unknown> & {
  kind?: string;
  apiVersion?: string;
  metadata?: { name?: string; namespace?: string; [k: string]: unknown };
};

export interface OutputFormat {
  kind: 'table' | 'wide' | 'json' | 'yaml' | 'name' | 'jsonpath' | 'custom-columns';
  arg?: string;
}

export function parseOutputFlag(o: string | undefined): OutputFormat {
  if (!o) return { kind: 'table' };
  const eq = o.indexOf('=');
  const name = eq >= 0 ? o.slice(0, eq) : o;
  const arg = eq >= 0 ? o.slice(eq + 1) : undefined;
  switch (name) {
    case 'wide':
    case 'json':
    case 'yaml':
    case 'name':
      return { kind: name };
    case 'jsonpath':
    case 'jsonpath-as-json':
      if (!arg) throw new CliError('template format specified but no template given');
      return { kind: 'jsonpath', arg };
    case 'custom-columns':
      if (!arg) throw new CliError('custom-columns format specified but no custom columns given');
      return { kind: 'custom-columns', arg };
    default:
      throw new CliError(
        `unable to match a printer suitable for the output format "${o}", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml`,
      );
  }
}

/** Recursively sorts object keys, as Go's JSON encoding of unstructured objects does. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

export function toJson(v: unknown): string {
  return `${JSON.stringify(sortKeys(v), null, 4)}\n`;
}

export async function toYaml(v: unknown): Promise<string> {
  const { stringify } = await import('yaml');
  return stringify(sortKeys(v), { version: '1.1', lineWidth: 0, indentSeq: false, aliasDuplicateObjects: false });
}

/** The `kind: List` wrapper kubectl prints for several objects. */
export function asList(items: KubeObj[]): KubeObj {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

export function customColumns(spec: string, objects: KubeObj[], noHeaders: boolean): string {
  const cols = spec.split(',').map((c) => {
    const i = c.indexOf(':');
    if (i < 0) throw new CliError(`unexpected custom-columns spec: ${c}, expected <header>:<json-path-expr>`);
    return { header: c.slice(0, i), template: relaxedTemplate(c.slice(i + 1)) };
  });
  const rows: string[][] = noHeaders ? [] : [cols.map((c) => c.header)];
  for (const o of objects) {
    rows.push(
      cols.map((c) => {
        const v = executeTemplate(c.template.replace(/^\{(.*)\}$/, '{$1}'), o)
          .split(' ')
          .join(',');
        return v === '' ? '<none>' : v;
      }),
    );
  }
  return formatRows(rows);
}

/** Prints objects (one, or several as a List) in a non-table format. */
export async function printObjects(
  objects: KubeObj[],
  fmt: OutputFormat,
  o: { single: boolean; noHeaders?: boolean; kindPrefix?: (obj: KubeObj) => string },
): Promise<string> {
  const data = o.single && objects.length === 1 ? objects[0] : asList(objects);
  switch (fmt.kind) {
    case 'json':
      return toJson(data);
    case 'yaml':
      return toYaml(data);
    case 'name':
      return objects
        .map((obj) => `${o.kindPrefix?.(obj) ?? (obj.kind ?? '').toLowerCase()}/${obj.metadata?.name}\n`)
        .join('');
    case 'jsonpath':
      return executeTemplate(fmt.arg ?? '', data);
    case 'custom-columns':
      return customColumns(fmt.arg ?? '', objects, o.noHeaders ?? false);
    default:
      throw new CliError(`unsupported output format ${fmt.kind}`);
  }
}
