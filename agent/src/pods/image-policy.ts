import type { Container, PullPolicy } from '@peapod/core';

/**
 * imagePullPolicy (k8s-semantics §4). Policies are defaulted at admission; the agent applies the
 * same default when a pod arrives without one.
 */
export function defaultPullPolicy(image: string): PullPolicy {
  const withoutDigest = image.split('@')[0];
  const hasDigest = image.includes('@');
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : '';
  if (tag === '' && hasDigest) return 'IfNotPresent';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** What to do before creating the container: use the local image, pull it, or fail (Never + missing). */
export function imageAction(
  container: Pick<Container, 'image' | 'imagePullPolicy'>,
  present: boolean,
): 'use' | 'pull' | 'never' {
  const policy = container.imagePullPolicy ?? defaultPullPolicy(container.image);
  if (policy === 'Always') return 'pull';
  if (present) return 'use';
  return policy === 'Never' ? 'never' : 'pull';
}
