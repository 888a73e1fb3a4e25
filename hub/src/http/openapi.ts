import { createHash } from 'node:crypto';
import { apiVersionOf, type FieldDoc, KIND_FIELD_DOCS, RESOURCE_TYPES, type ResourceType } from '@peapod/core';
import { versionInfo } from './discovery.js';

/**
 * The OpenAPI v3 documents, one per group version (kubectl-wire §6):
 * - one PATCH operation per kind that declares `fieldValidation`, so `kubectl apply` leaves
 *   validation to the server;
 * - `components.schemas` built from core's field docs (KIND_FIELD_DOCS), each top-level kind tagged
 *   with `x-kubernetes-group-version-kind`, so `kubectl explain` finds and walks it.
 */

type Schema = Record<string, unknown>;

const PRIMITIVES = new Set(['string', 'integer', 'boolean', 'number']);
const MAP_PREFIX = 'map[string]';

/** Kubernetes' schema names, so kubectl prints the familiar type names (`ObjectMeta`, `PodSpec`). */
function componentName(typeName: string, group: string, version: string): string {
  if (typeName === 'ObjectMeta' || typeName === 'LabelSelector' || typeName === 'OwnerReference')
    return `io.k8s.apimachinery.pkg.apis.meta.v1.${typeName}`;
  return `io.k8s.api.${group || 'core'}.${version}.${typeName}`;
}

/** Collects the component schemas reachable from the kinds of one group version. */
class SchemaBuilder {
  readonly components: Record<string, Schema> = {};

  constructor(
    private readonly group: string,
    private readonly version: string,
  ) {}

  /** The schema of a field of type `type` (a primitive, `[]T`, `map[string]T` or a named object). */
  private typeSchema(type: string, field: FieldDoc): Schema {
    if (PRIMITIVES.has(type)) return { type };
    if (type.startsWith('[]')) return { type: 'array', items: this.typeSchema(type.slice(2), field) };
    if (type.startsWith(MAP_PREFIX))
      return { type: 'object', additionalProperties: this.typeSchema(type.slice(MAP_PREFIX.length), field) };
    return { $ref: `#/components/schemas/${this.named(type, field)}` };
  }

  /** Registers (once) the component of a named object type; the first field doc with it wins. */
  private named(typeName: string, field: FieldDoc, gvk?: ResourceType): string {
    const name = componentName(typeName, this.group, this.version);
    if (this.components[name]) return name;
    // Only a kind's own schema carries a description: for nested types kubectl would print the
    // type's text after the field's, and the field docs already say it.
    const schema: Schema = gvk ? { type: 'object', description: field.doc } : { type: 'object' };
    this.components[name] = schema;
    if (field.fields) {
      const properties: Record<string, Schema> = {};
      for (const [key, sub] of Object.entries(field.fields)) properties[key] = this.property(sub);
      schema.properties = properties;
    }
    if (gvk) schema['x-kubernetes-group-version-kind'] = [{ group: gvk.group, version: gvk.version, kind: gvk.kind }];
    return name;
  }

  /** A property: its type's schema plus the field's own description (`allOf` wraps a bare $ref). */
  private property(field: FieldDoc): Schema {
    const schema = this.typeSchema(field.type, field);
    return schema.$ref ? { allOf: [schema], description: field.doc } : { ...schema, description: field.doc };
  }

  kind(type: ResourceType): void {
    const doc = KIND_FIELD_DOCS[type.kind];
    if (doc) this.named(type.kind, doc, type);
  }
}

function typesOf(group: string, version: string): ResourceType[] {
  return RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
}

function openApiDocument(group: string, version: string) {
  const paths: Record<string, unknown> = {};
  const schemas = new SchemaBuilder(group, version);
  for (const t of typesOf(group, version)) {
    const base = `${t.group ? `/apis/${apiVersionOf(t)}` : `/api/${t.version}`}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}/{name}`;
    paths[base] = {
      patch: {
        operationId: `patch${t.kind}`,
        parameters: [
          { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
        ],
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind },
      },
    };
    schemas.kind(t);
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Peapod', version: versionInfo('0').gitVersion },
    paths,
    components: { schemas: schemas.components },
  };
}

function groupVersionKey(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function documents(): Map<string, { body: string; hash: string }> {
  const out = new Map<string, { body: string; hash: string }>();
  const gvs = [...new Set(RESOURCE_TYPES.map((t) => `${t.group}|${t.version}`))].map((s) => s.split('|'));
  for (const [group, version] of gvs) {
    const body = JSON.stringify(openApiDocument(group, version));
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 32).toUpperCase();
    out.set(groupVersionKey(group, version), { body, hash });
  }
  return out;
}

const OPENAPI_V3 = documents();

/** The `/openapi/v3` index, or a group-version document for `/openapi/v3/<key>`; undefined = 404. */
export function openApiV3(path: string): string | undefined {
  if (path === 'v3') {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [key, doc] of OPENAPI_V3) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
    return JSON.stringify({ paths });
  }
  if (!path.startsWith('v3/')) return undefined;
  return OPENAPI_V3.get(path.slice(3))?.body;
}
