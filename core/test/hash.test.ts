import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, fnv32a, podTemplateHash, SAFE_ALPHABET, safeEncodeString, stableHash } from '../src/hash.js';

describe('fnv32a', () => {
  it('matches the published FNV-1a test vectors', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(fnv32a(enc(''))).toBe(0x811c9dc5);
    expect(fnv32a(enc('a'))).toBe(0xe40c292c);
    expect(fnv32a(enc('foobar'))).toBe(0xbf9cf968);
  });
});

describe('safeEncodeString', () => {
  it('maps each byte onto the 27-character alphabet', () => {
    expect(SAFE_ALPHABET).toHaveLength(27);
    expect(safeEncodeString('0123')).toBe('4567');
  });
});

describe('stableHash / podTemplateHash', () => {
  const template = {
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
  };

  it('ignores key order and undefined members', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(stableHash(reversed)).toBe(stableHash(obj));
        expect(canonicalJson({ ...obj, zzz: undefined })).toBe(canonicalJson(obj));
      }),
    );
  });

  it('changes when the value changes', () => {
    const other = structuredClone(template);
    other.spec.containers[0].image = 'nginx:1.28';
    expect(stableHash(other)).not.toBe(stableHash(template));
    expect(podTemplateHash(other)).not.toBe(podTemplateHash(template));
  });

  it('pod-template-hash is safe-encoded decimal FNV-32a, varies with collisionCount', () => {
    const h = podTemplateHash(template);
    expect(h).toMatch(new RegExp(`^[${SAFE_ALPHABET}]{1,10}$`));
    expect(podTemplateHash(structuredClone(template))).toBe(h);
    expect(podTemplateHash(template, 1)).not.toBe(h);
    expect(podTemplateHash(template, 0)).not.toBe(podTemplateHash(template, 1));
  });
});
