/** `peapod help` / `peapod --help`. */
export const USAGE = `peapod: a kubectl-like command line for Peapod edge fleets.

Basic commands:
  get          Display one or many resources (-o wide|yaml|json|name|jsonpath=|custom-columns=, -A, -l, -w)
  describe     Show details of a resource, with events
  apply        Apply a configuration by file name or stdin (-f FILE|DIR|-)
  create       Create from a file, or: create deployment NAME --image=IMG, create namespace NAME
  run          Run a pod: run NAME --image=IMG [--port] [--restart] [-- ARGS]
  delete       Delete resources by name, file (-f), selector (-l) or --all
  expose       Expose a deployment, replica set or pod as a Service
  explain      Documentation of resource fields (explain pod.spec.containers)

Deploy commands:
  scale        Set a new size for a deployment or replica set
  set image    Update container images
  rollout      Manage rollouts: status, history, undo, pause, resume, restart

Troubleshooting:
  logs         Print the logs of a container (-f, -c, --tail, --previous, --since, --timestamps)
  exec         Execute a command in a container (-i, -t, -- CMD)
  top          Resource usage of nodes and pods

Cluster management:
  cordon       Mark a node unschedulable
  uncordon     Mark a node schedulable
  drain        Evict all pods from a node (--ignore-daemonsets, --delete-emptydir-data, --force)
  taint        Add or remove node taints (k=v:Effect, k:Effect-, k-)
  label        Add, change (--overwrite) or remove (k-) labels
  annotate     Add, change or remove annotations

Peapod:
  hub          Run the hub (API server, scheduler, controllers, MQTT broker)
  agent        Run the device agent
  up           Quick start: a hub and a local agent in the background, plus a sample app
  down         Stop what 'peapod up' started (--purge removes ./.peapod)

Settings:
  config       view, get-contexts, use-context, current-context
  version      Client and server versions
  completion   Shell completion script (bash)

Global flags: --kubeconfig, --context, -s/--server, --token, --insecure-skip-tls-verify,
  -n/--namespace, --request-timeout
`;

export async function run(_argv: string[]): Promise<number> {
  process.stdout.write(USAGE);
  return 0;
}

/** `peapod VERB --help`: the verb's summary line and where its flags are documented. */
export function verbHelp(verb: string): number {
  const line = USAGE.split('\n').find((l) => l.trimStart().startsWith(`${verb} `));
  process.stdout.write(
    `${line ? line.trim().replace(/\s{2,}/, ': ') : verb}\n\nExamples and every flag: docs/cli.md\n${USAGE.slice(USAGE.indexOf('Global flags'))}`,
  );
  return 0;
}
