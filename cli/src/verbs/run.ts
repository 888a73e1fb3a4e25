/** `peapod run NAME --image=IMG [--port] [--restart] [--labels] [--env] [--command] [-- args…]`. */
import { bool, flag, flagAll, GLOBAL_FLAGS, intFlag, mergeSpecs, parseArgs } from '../args.js';
import { CliError } from '../errors.js';
import type { KubeObj } from '../printers/output.js';
import { connect } from '../session.js';
import { createGenerated } from './create.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, {
  values: {
    image: '',
    port: '',
    restart: '',
    labels: 'l',
    env: '',
    'image-pull-policy': '',
    output: 'o',
    'dry-run': '',
  },
  bools: { command: '', stdin: 'i', tty: 't', rm: '' },
  repeatable: ['env'],
});

export function podFor(
  name: string,
  o: {
    image: string;
    port?: number;
    restart?: string;
    labels?: string;
    env: string[];
    command: boolean;
    args: string[];
    pullPolicy?: string;
  },
): KubeObj {
  const labels: Record<string, string> = {};
  if (o.labels) {
    for (const kv of o.labels.split(',')) {
      const [k, v = ''] = kv.split('=');
      labels[k] = v;
    }
  } else labels.run = name;
  const restart = o.restart ?? 'Always';
  if (!['Always', 'OnFailure', 'Never'].includes(restart)) throw new CliError(`invalid restart policy: ${restart}`);
  const container: Record<string, unknown> = { name, image: o.image };
  if (o.args.length) container[o.command ? 'command' : 'args'] = o.args;
  if (o.env.length) {
    container.env = o.env.map((e) => {
      const i = e.indexOf('=');
      return { name: e.slice(0, i), value: e.slice(i + 1) };
    });
  }
  if (o.pullPolicy) container.imagePullPolicy = o.pullPolicy;
  if (o.port !== undefined) container.ports = [{ containerPort: o.port }];
  container.resources = {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [container], dnsPolicy: 'ClusterFirst', restartPolicy: restart },
    status: {},
  };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const name = args.positionals[0];
  if (!name) throw new CliError('NAME is required for run');
  const image = flag(args, 'image');
  if (!image) throw new CliError('required flag(s) "image" not set');
  const pod = podFor(name, {
    image,
    port: intFlag(args, 'port'),
    restart: flag(args, 'restart'),
    labels: flag(args, 'labels'),
    env: flagAll(args, 'env'),
    command: bool(args, 'command'),
    args: args.positionals.slice(1).concat(args.rest),
    pullPolicy: flag(args, 'image-pull-policy'),
  });
  const session = await connect(args);
  await createGenerated(session, pod, args, 'kubectl-run');
  return 0;
}
