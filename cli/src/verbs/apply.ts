/** `peapod apply -f`: kubectl client-side apply (create, or three-way strategic merge patch). */
import { bool, flagAll, GLOBAL_FLAGS, mergeSpecs, parseArgs } from '../args.js';
import { StatusError } from '../client.js';
import { ExitError, formatStatusError } from '../errors.js';
import { readManifests, targetOf } from '../manifests.js';
import type { KubeObj } from '../printers/output.js';
import { kindPrefix, resourcePath } from '../resources.js';
import { connect } from '../session.js';
import { lastAppliedOf, threeWayMergePatch, withLastApplied } from '../smp.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, {
  values: { filename: 'f', output: 'o', validate: '' },
  bools: { recursive: 'R', wait: '' },
  repeatable: ['filename'],
});

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const manifests = await readManifests(flagAll(args, 'filename'), bool(args, 'recursive'));
  const session = await connect(args);
  const { client } = session;
  let failed = false;
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
  return 0;
}
