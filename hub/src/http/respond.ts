import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { ApiError, badRequest, internalError, isApiError, type Status } from '@peapod/core';
import type { Logger } from '../component.js';
import { PatchError } from './patch/json-value.js';

/** Writing replies: JSON bodies and Kubernetes `Status` errors. */

export const JSON_TYPE = 'application/json';

/** Like the Kubernetes API server: replies of 128 KiB and more are gzipped for clients that accept it. */
const GZIP_MIN_BYTES = 128 * 1024;

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = JSON_TYPE): void {
  sendJsonText(res, code, JSON.stringify(body), contentType);
}

/** `sendJson` for a body that already is JSON text. */
export function sendJsonText(res: ServerResponse, code: number, json: string, contentType = JSON_TYPE): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = Buffer.from(json);
  if (text.length >= GZIP_MIN_BYTES && /\bgzip\b/.test(String(res.req?.headers['accept-encoding'] ?? ''))) {
    const zipped = gzipSync(text, { level: 1 });
    res.writeHead(code, {
      'Content-Type': contentType,
      'Content-Encoding': 'gzip',
      'Content-Length': zipped.length,
      Vary: 'Accept-Encoding',
    });
    res.end(zipped);
    return;
  }
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': text.length });
  res.end(text);
}

function failure(code: number, reason: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason, code };
}

export function successStatus(code = 200, details?: Status['details']): Status {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code };
  if (details) status.details = details;
  return status;
}

/** Any thrown value as an ApiError: ApiErrors as they are, patch failures as 400/422, the rest 500. */
export function toApiError(error: unknown, log?: Logger): ApiError {
  if (isApiError(error)) return error;
  if (error instanceof PatchError) {
    if (error.malformed) return badRequest(error.message);
    // Invalid without details: kubectl prints `The request is invalid: <message>`.
    return new ApiError({ ...failure(422, 'Invalid'), message: error.message });
  }
  log?.error('internal error while serving a request', { error: error instanceof Error ? error.stack : error });
  return internalError(error instanceof Error ? error.message : String(error));
}

export function sendError(res: ServerResponse, error: unknown, log?: Logger): void {
  const apiError = toApiError(error, log);
  if (res.headersSent) {
    res.end();
    return;
  }
  // Only a real "try again shortly" invites kubectl's silent retries (ten of them); an offline
  // node's 503 must fail at once.
  const retryAfter = apiError.status.details?.retryAfterSeconds ?? (apiError.code === 429 ? 1 : undefined);
  if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
  // The rest of an oversized body is not read: do not reuse the connection.
  if (apiError.code === 413) res.setHeader('Connection', 'close');
  sendJson(res, apiError.code, apiError.status);
}
