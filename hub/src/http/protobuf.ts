import { badRequest, unsupportedMediaType } from '@peapod/core';

/**
 * Decoding of Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`), for the
 * requests kubectl's typed clients send that way: `kubectl create deployment|namespace|service …`
 * and the DeleteOptions of `kubectl drain`. A body is the magic `k8s\0` and a runtime.Unknown
 * {1 typeMeta{1 apiVersion, 2 kind}, 2 raw}; `raw` is decoded with the field numbers of
 * k8s.io/api's generated.proto for the fields those generators set. Unknown fields are skipped;
 * zero values of non-pointer fields (gogo-proto writes them all) are left out, as JSON omitempty does.
 */

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type FieldKind =
  | 'string'
  | 'int'
  /** A pointer field: zero is a value, not "unset". */
  | 'ptrint'
  | 'bool'
  | 'ptrbool'
  | 'strings'
  | 'map'
  | 'quantities'
  | 'intOrString'
  | 'skip'
  | Schema
  | [Schema];

interface Schema {
  [field: number]: [name: string, kind: FieldKind];
}

const MAP_ENTRY: Schema = { 1: ['key', 'string'], 2: ['value', 'string'] };
const QUANTITY: Schema = { 1: ['string', 'string'] };
const OBJECT_META: Schema = {
  1: ['name', 'string'],
  2: ['generateName', 'string'],
  3: ['namespace', 'string'],
  5: ['uid', 'string'],
  6: ['resourceVersion', 'string'],
  11: ['labels', 'map'],
  12: ['annotations', 'map'],
  14: ['finalizers', 'strings'],
};
const LABEL_SELECTOR: Schema = {
  1: ['matchLabels', 'map'],
  2: ['matchExpressions', [{ 1: ['key', 'string'], 2: ['operator', 'string'], 3: ['values', 'strings'] }]],
};
const CONTAINER: Schema = {
  1: ['name', 'string'],
  2: ['image', 'string'],
  3: ['command', 'strings'],
  4: ['args', 'strings'],
  5: ['workingDir', 'string'],
  6: [
    'ports',
    [
      {
        1: ['name', 'string'],
        2: ['hostPort', 'int'],
        3: ['containerPort', 'int'],
        4: ['protocol', 'string'],
        5: ['hostIP', 'string'],
      },
    ],
  ],
  7: ['env', [{ 1: ['name', 'string'], 2: ['value', 'string'] }]],
  8: ['resources', { 1: ['limits', 'quantities'], 2: ['requests', 'quantities'] }],
  14: ['imagePullPolicy', 'string'],
  16: ['stdin', 'bool'],
  17: ['stdinOnce', 'bool'],
  18: ['tty', 'bool'],
};
const POD_SPEC: Schema = {
  2: ['containers', [CONTAINER]],
  3: ['restartPolicy', 'string'],
  4: ['terminationGracePeriodSeconds', 'ptrint'],
  6: ['dnsPolicy', 'string'],
  7: ['nodeSelector', 'map'],
  10: ['nodeName', 'string'],
  11: ['hostNetwork', 'bool'],
  20: ['initContainers', [CONTAINER]],
};
const DEPLOYMENT: Schema = {
  1: ['metadata', OBJECT_META],
  2: [
    'spec',
    {
      1: ['replicas', 'ptrint'],
      2: ['selector', LABEL_SELECTOR],
      3: ['template', { 1: ['metadata', OBJECT_META], 2: ['spec', POD_SPEC] }],
      4: ['strategy', { 1: ['type', 'string'] }],
      5: ['minReadySeconds', 'int'],
      6: ['revisionHistoryLimit', 'ptrint'],
      7: ['paused', 'bool'],
      9: ['progressDeadlineSeconds', 'ptrint'],
    },
  ],
};
const SERVICE: Schema = {
  1: ['metadata', OBJECT_META],
  2: [
    'spec',
    {
      1: [
        'ports',
        [
          {
            1: ['name', 'string'],
            2: ['protocol', 'string'],
            3: ['port', 'int'],
            4: ['targetPort', 'intOrString'],
            5: ['nodePort', 'int'],
          },
        ],
      ],
      2: ['selector', 'map'],
      3: ['clusterIP', 'string'],
      4: ['type', 'string'],
      5: ['externalIPs', 'strings'],
      7: ['sessionAffinity', 'string'],
      10: ['externalName', 'string'],
    },
  ],
};
const NAMESPACE: Schema = { 1: ['metadata', OBJECT_META] };
const POD: Schema = { 1: ['metadata', OBJECT_META], 2: ['spec', POD_SPEC] };
const DELETE_OPTIONS: Schema = {
  1: ['gracePeriodSeconds', 'ptrint'],
  2: ['preconditions', { 1: ['uid', 'string'], 2: ['resourceVersion', 'string'] }],
  3: ['orphanDependents', 'ptrbool'],
  4: ['propagationPolicy', 'string'],
  5: ['dryRun', 'strings'],
};
const EVICTION: Schema = { 1: ['metadata', OBJECT_META], 2: ['deleteOptions', DELETE_OPTIONS] };

const SCHEMAS: Record<string, Schema> = {
  Deployment: DEPLOYMENT,
  Service: SERVICE,
  Namespace: NAMESPACE,
  Pod: POD,
  DeleteOptions: DELETE_OPTIONS,
  Eviction: EVICTION,
};

interface Field {
  number: number;
  wire: number;
  value: bigint | Buffer;
}

function readVarint(buf: Buffer, start: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  let pos = start;
  for (;;) {
    if (pos >= buf.length || shift > 63n) throw badRequest('malformed protobuf body: truncated varint');
    const byte = buf[pos++];
    result |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if ((byte & 0x80) === 0) return [result, pos];
  }
}

function readFields(buf: Buffer): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    pos = afterKey;
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [value, next] = readVarint(buf, pos);
      fields.push({ number, wire, value });
      pos = next;
    } else if (wire === 2) {
      const [length, next] = readVarint(buf, pos);
      const end = next + Number(length);
      if (end > buf.length) throw badRequest('malformed protobuf body: field runs past the end');
      fields.push({ number, wire, value: buf.subarray(next, end) });
      pos = end;
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
    } else {
      throw badRequest(`malformed protobuf body: unsupported wire type ${wire}`);
    }
  }
  return fields;
}

function asBytes(field: Field): Buffer {
  if (!(field.value instanceof Buffer)) throw badRequest(`malformed protobuf body: field ${field.number} is not bytes`);
  return field.value;
}

function asInt(field: Field): number {
  const { value } = field;
  if (typeof value !== 'bigint') throw badRequest(`malformed protobuf body: field ${field.number} is not a number`);
  return Number(BigInt.asIntN(64, value));
}

function decodeMessage(buf: Buffer, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of readFields(buf)) {
    const entry = schema[field.number];
    if (!entry) continue;
    const [name, kind] = entry;
    const value = decodeValue(field, kind);
    if (value === undefined) continue;
    if (kind === 'strings' || Array.isArray(kind)) {
      out[name] = [...((out[name] as unknown[]) ?? []), value];
    } else if (kind === 'map' || kind === 'quantities') {
      const [key, val] = value as [string, unknown];
      out[name] = { ...((out[name] as Record<string, unknown>) ?? {}), [key]: val };
    } else {
      out[name] = value;
    }
  }
  return out;
}

function decodeValue(field: Field, kind: FieldKind): unknown {
  switch (kind) {
    case 'string':
    case 'strings': {
      const text = asBytes(field).toString('utf8');
      return kind === 'string' && text === '' ? undefined : text;
    }
    case 'int':
      return asInt(field) || undefined;
    case 'ptrint':
      return asInt(field);
    case 'bool':
      return asInt(field) !== 0 || undefined;
    case 'ptrbool':
      return asInt(field) !== 0;
    case 'map': {
      const entry = decodeMessage(asBytes(field), MAP_ENTRY);
      return [String(entry.key ?? ''), String(entry.value ?? '')];
    }
    case 'quantities': {
      const entry = readFields(asBytes(field));
      const key = entry.find((f) => f.number === 1);
      const value = entry.find((f) => f.number === 2);
      const quantity = value ? decodeMessage(asBytes(value), QUANTITY).string : undefined;
      return [key ? asBytes(key).toString('utf8') : '', quantity ?? '0'];
    }
    case 'intOrString': {
      const value = readFields(asBytes(field));
      const type = value.find((f) => f.number === 1);
      if (type && asInt(type) === 1) {
        const str = value.find((f) => f.number === 3);
        return str ? asBytes(str).toString('utf8') : '';
      }
      const int = value.find((f) => f.number === 2);
      return int ? asInt(int) : 0;
    }
    case 'skip':
      return undefined;
    default: {
      const schema = Array.isArray(kind) ? kind[0] : kind;
      const message = decodeMessage(asBytes(field), schema);
      return Array.isArray(kind) || Object.keys(message).length > 0 ? message : undefined;
    }
  }
}

/** Decodes a protobuf body into the JSON form of the object it carries. */
export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw badRequest('malformed protobuf body: missing the k8s\\0 prefix');
  }
  const unknown = readFields(body.subarray(MAGIC.length));
  const typeField = unknown.find((f) => f.number === 1);
  const raw = unknown.find((f) => f.number === 2);
  const typeMeta = typeField
    ? decodeMessage(asBytes(typeField), { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] })
    : {};
  const kind = String(typeMeta.kind ?? '');
  const schema = SCHEMAS[kind];
  if (!schema) {
    throw unsupportedMediaType(
      `the hub decodes protobuf bodies only for ${Object.keys(SCHEMAS).join(', ')}; send ${kind || 'this object'} as JSON or YAML (kubectl apply -f)`,
    );
  }
  const object = raw ? decodeMessage(asBytes(raw), schema) : {};
  return { apiVersion: typeMeta.apiVersion, kind, ...object };
}
