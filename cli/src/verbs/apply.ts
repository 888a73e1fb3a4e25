/** `peapod apply -f`: kubectl client-side apply (create, or three-way strategic merge patch). */
import { bool, flag, flagAll, GLOBAL_FLAGS, mergeSpecs, parseArgs, parseDuration } from '../args.js';
import { type Client, StatusError } from '../client.js';
import { ExitError, formatStatusError } from '../errors.js';
import { readManifests, targetOf } from '../manifests.js';
import type { KubeObj } from '../printers/output.js';
import { kindPrefix, resourcePath } from '../resources.js';
import { connect } from '../session.js';
import { lastAppliedOf, threeWayMergePatch, withLastApplied } from '../smp.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, {
  values: { filename: 'f', output: 'o', validate: '', timeout: '' },
  bools: { recursive: 'R', wait: '' },
  repeatable: ['filename'],
});

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const manifests = await readManifests(flagAll(args, 'filename'), bool(args, 'recursive'));
  const session = await connect(args);
  const { client } = session;
  let failed = false;
  const applied: ReturnType<typeof targetOf>[] = [];
  for (const m of manifests) {
    let target: ReturnType<typeof targetOf>;
    try {
      target = targetOf(m, session.namespace, session.explicitNamespace);
    } catch (e) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      failed = true;
      continue;
    }
    const { t, name, namespace, path } = target;
    const modified = withLastApplied(m.obj, namespace);
    const label = `${kindPrefix(t)}/${name}`;
    applied.push(target);
    try {
      let current: KubeObj | undefined;
      try {
        current = await client.get<KubeObj>(path);
      } catch (e) {
        if (!(e instanceof StatusError && e.httpCode === 404)) throw e;
      }
      if (!current) {
        await client.request('POST', resourcePath(t, namespace), {
          body: modified,
          query: { fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' },
        });
        process.stdout.write(`${label} created\n`);
        continue;
      }
      const patch = threeWayMergePatch(lastAppliedOf(current), modified, current);
      if (Object.keys(patch).length === 0) {
        process.stdout.write(`${label} unchanged\n`);
        continue;
      }
      await client.request('PATCH', path, {
        body: patch,
        contentType: 'application/strategic-merge-patch+json',
        query: { fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' },
      });
      process.stdout.write(`${label} configured\n`);
    } catch (e) {
      if (!(e instanceof StatusError)) throw e;
      const verb = e.reason === 'AlreadyExists' ? 'creating' : 'patching';
      process.stderr.write(`${formatStatusError(e, `error when ${verb} "${m.source}": `)}\n`);
      failed = true;
    }
  }
  if (failed) throw new ExitError(1);
  if (bool(args, 'wait')) {
    const timeout = flag(args, 'timeout');
    await waitUntilReady(client, applied, timeout ? parseDuration(timeout) : 0);
  }
  return 0;
}

/** `apply --wait`: follows Deployment rollouts and waits for Pods to be Ready (or to finish). */
async function waitUntilReady(
  client: Client,
  targets: ReturnType<typeof targetOf>[],
  timeoutMs: number,
): Promise<void> {
  for (const { t, name, namespace } of targets) {
    if (t.plural === 'deployments') {
      const { followRollout } = await import('./rollout.js');
      await followRollout(client, namespace!, name, true, timeoutMs);
    } else if (t.plural === 'pods') {
      process.stdout.write(`Waiting for pod "${name}" to be ready...\n`);
      const { watchObject } = await import('../wait.js');
      await watchObject(client, t, namespace, name, (o) => {
        const st = (o as { status?: { phase?: string; conditions?: { type: string; status: string }[] } }).status;
        return (
          st?.phase === 'Succeeded' ||
          st?.phase === 'Failed' ||
          !!st?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
        );
      });
      process.stdout.write(`pod/${name} condition met\n`);
    }
  }
}
