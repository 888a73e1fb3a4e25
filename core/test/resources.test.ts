import { describe, expect, it } from 'vitest';
import { apiVersionOf, resolveResourceType } from '../src/resources.js';

describe('resolveResourceType', () => {
  it.each([
    ['po', 'Pod'],
    ['pods', 'Pod'],
    ['Pod', 'Pod'],
    ['deploy', 'Deployment'],
    ['deployments.apps', 'Deployment'],
    ['rs', 'ReplicaSet'],
    ['svc', 'Service'],
    ['ep', 'Endpoints'],
    ['no', 'Node'],
    ['ns', 'Namespace'],
    ['ev', 'Event'],
  ])('%s → %s', (name, kind) => {
    expect(resolveResourceType(name)?.kind).toBe(kind);
  });

  it('returns undefined for unknown names', () => {
    expect(resolveResourceType('widgets')).toBeUndefined();
  });

  it('renders group/version', () => {
    expect(apiVersionOf(resolveResourceType('deploy')!)).toBe('apps/v1');
    expect(apiVersionOf(resolveResourceType('po')!)).toBe('v1');
  });
});
