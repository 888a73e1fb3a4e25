import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+json': 'apply',
};

export const SUPPORTED_PATCH_TYPES = Object.keys(PATCH_CONTENT_TYPES);

/** The patch type of a `Content-Type` (parameters ignored), or undefined when it is not a patch type. */
export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const media = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return PATCH_CONTENT_TYPES[media];
}

/**
 * Applies a parsed patch document to `original` and returns the new document. Server-side apply is
 * approximated by a strategic merge of the applied configuration (no managedFields ownership).
 */
export function applyPatch(type: PatchType, original: unknown, patch: unknown): unknown {
  switch (type) {
    case 'json':
      return applyJsonPatch(original, patch);
    case 'merge':
      return applyMergePatch(original, patch);
    case 'strategic':
    case 'apply':
      return applyStrategicMergePatch(original, patch);
  }
}
