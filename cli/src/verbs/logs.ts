/** `peapod logs POD|TYPE/NAME [CONTAINER] [-c] [-f] [--tail] [--previous] [--since] [--timestamps]`. */
import { bool, flag, GLOBAL_FLAGS, intFlag, mergeSpecs, parseArgs, parseDuration } from '../args.js';
import { StatusError } from '../client.js';
import { CliError } from '../errors.js';
import { pickContainer, resolvePod } from '../pods.js';
import { resourcePath, resourceType } from '../resources.js';
import { connect } from '../session.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, {
  values: { container: 'c', tail: '', since: '', 'since-time': '', 'limit-bytes': '', selector: 'l' },
  bools: { follow: 'f', previous: 'p', timestamps: '', 'all-containers': '', prefix: '' },
});

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const [ref, containerArg] = args.positionals;
  if (!ref) throw new CliError('expected POD or TYPE/NAME is a required argument for the logs command');
  const session = await connect(args);
  const { client } = session;
  let pod: Awaited<ReturnType<typeof resolvePod>>;
  try {
    pod = await resolvePod(client, session.namespace, ref);
  } catch (e) {
    if (e instanceof StatusError && e.httpCode === 404) {
      throw new CliError(`error from server (NotFound): ${e.status.message} in namespace "${session.namespace}"`);
    }
    throw e;
  }
  const container = pickContainer(pod, flag(args, 'container') ?? containerArg);
  const since = flag(args, 'since');
  const tail = intFlag(args, 'tail');
  const query = {
    container,
    follow: bool(args, 'follow') ? 'true' : undefined,
    previous: bool(args, 'previous') ? 'true' : undefined,
    timestamps: bool(args, 'timestamps') ? 'true' : undefined,
    tailLines: tail !== undefined && tail >= 0 ? tail : undefined,
    sinceSeconds: since ? Math.max(1, Math.ceil(parseDuration(since) / 1000)) : undefined,
    sinceTime: flag(args, 'since-time'),
    limitBytes: flag(args, 'limit-bytes'),
  };
  const res = await client.stream(
    resourcePath(resourceType('pods'), pod.metadata.namespace ?? session.namespace, pod.metadata.name, 'log'),
    query,
    'application/json, */*',
  );
  await new Promise<void>((resolve, reject) => {
    res.on('data', (c: Buffer) => process.stdout.write(c));
    res.on('end', resolve);
    res.on('error', reject);
    res.on('close', resolve);
  });
  return 0;
}
