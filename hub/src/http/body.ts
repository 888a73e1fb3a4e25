import type { IncomingMessage } from 'node:http';
import { badRequest, type KubeObject, requestEntityTooLarge, unsupportedMediaType } from '@peapod/core';
import { decodeManifests } from '@peapod/core/manifests';
import { isObject } from './patch/json-value.js';
import { decodeProtobuf, PROTOBUF_MEDIA_TYPE } from './protobuf.js';

/** Reading and decoding request bodies (JSON or YAML), at most MAX_BODY_BYTES. */

/** Like the Kubernetes API server's 3 MiB request limit. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

const JSON_MEDIA = new Set(['', 'application/json', '*/*']);
const YAML_MEDIA = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'application/apply-patch+yaml']);
const PATCH_JSON_MEDIA = new Set([
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+json',
]);

export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * The whole request body, or RequestEntityTooLarge (413) past `limit` — the rest of an oversized
 * body is discarded, not buffered, and the reply closes the connection.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(requestEntityTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(requestEntityTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
      failed = true;
    });
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`the body of the request could not be decoded as JSON: ${(e as Error).message}`);
  }
}

function parseYaml(text: string): unknown {
  // JSON is YAML: try the strict parser first (apply-patch+yaml bodies from kubectl are JSON).
  try {
    return JSON.parse(text);
  } catch {
    // fall through to YAML
  }
  let docs: KubeObject[];
  try {
    docs = decodeManifests(text, 'request body');
  } catch (e) {
    throw badRequest(`the body of the request could not be decoded as YAML: ${(e as Error).message}`);
  }
  if (docs.length !== 1) throw badRequest(`the body of the request must hold exactly one object, found ${docs.length}`);
  return docs[0];
}

function unsupported(media: string): never {
  throw unsupportedMediaType(
    `the body of the request was in an unknown format "${media}" - accepted media types include: application/json, application/yaml, ${PROTOBUF_MEDIA_TYPE}`,
  );
}

/** Decodes a JSON or YAML document of any shape (patch bodies). */
export function decodeDocument(body: Buffer, contentType: string | undefined): unknown {
  const media = mediaTypeOf(contentType);
  if (media === PROTOBUF_MEDIA_TYPE) return decodeProtobuf(body);
  const text = body.toString('utf8');
  if (text.trim() === '') throw badRequest('the request body is empty');
  if (JSON_MEDIA.has(media) || PATCH_JSON_MEDIA.has(media)) return parseJson(text);
  if (YAML_MEDIA.has(media)) return parseYaml(text);
  return unsupported(media);
}

/** Decodes a body that must be one Kubernetes object (POST, PUT). */
export function decodeObject(body: Buffer, contentType: string | undefined): KubeObject {
  const value = decodeDocument(body, contentType);
  if (!isObject(value)) throw badRequest('the body of the request must be a JSON or YAML object');
  if (value.metadata !== undefined && !isObject(value.metadata)) throw badRequest('metadata must be an object');
  const object = value as unknown as KubeObject;
  object.metadata ??= {};
  return object;
}
