/** `peapod scale deploy/x --replicas=N [--current-replicas=M]`: merge patch on the scale subresource. */
import { GLOBAL_FLAGS, intFlag, mergeSpecs, parseArgs } from '../args.js';
import { CliError } from '../errors.js';
import { kindPrefix } from '../resources.js';
import { connect } from '../session.js';
import { objectRefs } from '../target.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, {
  values: { replicas: '', 'current-replicas': '', 'resource-version': '', timeout: '' },
  bools: {},
});

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const replicas = intFlag(args, 'replicas');
  if (replicas === undefined) throw new CliError('required flag(s) "replicas" not set');
  if (replicas < 0)
    throw new CliError('The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  const session = await connect(args);
  const refs = objectRefs(args.positionals, session.namespace);
  const current = intFlag(args, 'current-replicas');
  for (const ref of refs) {
    if (ref.t.plural !== 'deployments' && ref.t.plural !== 'replicasets') {
      throw new CliError(`cannot scale ${ref.t.plural}`);
    }
    if (current !== undefined && current >= 0) {
      const scale = await session.client.get<{ spec?: { replicas?: number } }>(`${ref.path}/scale`);
      if ((scale.spec?.replicas ?? 0) !== current) {
        throw new CliError(`Expected replicas to be ${current}, was ${scale.spec?.replicas ?? 0}`);
      }
    }
    await session.client.request('PATCH', `${ref.path}/scale`, {
      body: { spec: { replicas } },
      contentType: 'application/merge-patch+json',
    });
    process.stdout.write(`${kindPrefix(ref.t)}/${ref.name} scaled\n`);
  }
  return 0;
}
