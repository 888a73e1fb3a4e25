/** `peapod explain TYPE[.field.path]`: a small built-in field table, kubectl-explain style. */
import { type FieldDoc, KIND_FIELD_DOCS } from '@peapod/core';
import { CliError } from '../errors.js';
import { resourceType } from '../resources.js';

export function explain(path: string): string {
  const [typeName, ...fields] = path.split('.');
  const t = resourceType(typeName);
  const root: FieldDoc | undefined = KIND_FIELD_DOCS[t.kind];
  if (!root) throw new CliError(`couldn't find resource for "${typeName}"`);
  let field = root;
  for (const name of fields) {
    const next: FieldDoc | undefined = field.fields?.[name];
    if (!next) throw new CliError(`field "${name}" does not exist`);
    field = next;
  }
  let out = `GROUP:      ${t.group}\nKIND:       ${t.kind}\nVERSION:    ${t.version}\n\n`;
  if (fields.length) out = `${out}FIELD: ${fields[fields.length - 1]} <${field.type}>\n\n`;
  else out = out.replace('GROUP:      \n', '');
  out += `DESCRIPTION:\n    ${field.doc}\n`;
  if (field.fields) {
    out += '\nFIELDS:\n';
    for (const [name, sub] of Object.entries(field.fields)) out += `  ${name}\t<${sub.type}>\n    ${sub.doc}\n\n`;
  }
  return out;
}

export async function run(argv: string[]): Promise<number> {
  const path = argv.find((a) => !a.startsWith('-'));
  if (!path)
    throw new CliError(
      'You must specify the type of resource to explain. Use "peapod api-resources" for a complete list of supported resources.',
    );
  process.stdout.write(explain(path));
  return 0;
}
