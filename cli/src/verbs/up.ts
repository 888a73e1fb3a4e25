/**
 * `peapod up`: quick start. Starts a hub and a local agent as background processes (data and logs
 * in ./.peapod, PID files), waits for the node to be Ready, applies examples/hello.yaml, waits for
 * the rollout and prints the pods and how to use peapod/kubectl. `peapod down [--purge]` stops them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bool, flag, mergeSpecs, parseArgs } from '../args.js';
import { CliError } from '../errors.js';

const SPEC = mergeSpecs({
  values: { dir: '', port: '', 'mqtt-port': '', manifest: 'f', timeout: '', name: '' },
  bools: { purge: '', 'no-app': '', help: 'h' },
});

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const HELLO = fileURLToPath(new URL('../../../examples/hello.yaml', import.meta.url));

interface Layout {
  dir: string;
  hubDir: string;
  agentDir: string;
  kubeconfig: string;
  pidFile(name: string): string;
  logFile(name: string): string;
}

function layout(dir: string): Layout {
  const root = resolve(dir);
  return {
    dir: root,
    hubDir: join(root, 'hub'),
    agentDir: join(root, 'agent'),
    kubeconfig: join(root, 'hub', 'kubeconfig.yaml'),
    pidFile: (n) => join(root, `${n}.pid`),
    logFile: (n) => join(root, `${n}.log`),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function startBackground(l: Layout, name: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const existing = readPid(l.pidFile(name));
  if (existing && alive(existing)) {
    process.stdout.write(`${name} already running (pid ${existing})\n`);
    return existing;
  }
  const log = openSync(l.logFile(name), 'a');
  const child = spawn(process.execPath, [MAIN, name, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...env },
  });
  child.unref();
  writeFileSync(l.pidFile(name), `${child.pid}\n`);
  process.stdout.write(`started ${name} (pid ${child.pid}, log ${l.logFile(name)})\n`);
  return child.pid!;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 200;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new CliError(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 2000);
  }
}

async function peapod(argv: string[], kubeconfig: string): Promise<number> {
  const verb = argv[0];
  const mods: Record<string, () => Promise<{ run(a: string[]): Promise<number> }>> = {
    apply: () => import('./apply.js'),
    get: () => import('./get.js'),
    rollout: () => import('./rollout.js'),
  };
  return (await mods[verb]()).run([...argv.slice(1), '--kubeconfig', kubeconfig]);
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const l = layout(flag(args, 'dir') ?? '.peapod');
  const timeoutMs = (Number(flag(args, 'timeout') ?? '180') || 180) * 1000;
  mkdirSync(l.hubDir, { recursive: true, mode: 0o700 });
  mkdirSync(l.agentDir, { recursive: true, mode: 0o700 });
  const port = flag(args, 'port') ?? '6443';
  const mqttPort = flag(args, 'mqtt-port') ?? '8883';
  startBackground(l, 'hub', ['--data-dir', l.hubDir, '--port', port, '--mqtts-port', mqttPort, '--wss-port', 'off']);
  process.stdout.write('waiting for the hub API...\n');
  await until('the hub kubeconfig', timeoutMs, async () => (existsSync(l.kubeconfig) ? true : undefined));
  const { loadKubeconfig, resolveConnection } = await import('../kubeconfig.js');
  const { Client } = await import('../client.js');
  const client = new Client(resolveConnection(await loadKubeconfig(l.kubeconfig), {}), 5000);
  await until('the hub API', timeoutMs, () => client.get('/version'));
  const tokenFile = join(l.hubDir, 'join-token');
  const token = await until('the join token', timeoutMs, async () =>
    existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined,
  );
  const nodeName = (flag(args, 'name') ?? hostname()).toLowerCase();
  startBackground(
    l,
    'agent',
    ['--hub', `mqtts://127.0.0.1:${mqttPort}`, '--name', nodeName, '--data-dir', l.agentDir],
    { PEAPOD_TOKEN: token },
  ); // the join token goes by environment, not visible in `ps`
  process.stdout.write(`waiting for node ${nodeName} to be Ready...\n`);
  await until(`node ${nodeName} to be Ready`, timeoutMs, async () => {
    const node = await client.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
      `/api/v1/nodes/${encodeURIComponent(nodeName)}`,
    );
    return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
  });
  process.stdout.write(`node/${nodeName} Ready\n`);
  if (!bool(args, 'no-app')) {
    const manifest = flag(args, 'manifest') ?? HELLO;
    await peapod(['apply', '-f', manifest], l.kubeconfig);
    if (!flag(args, 'manifest'))
      await peapod(['rollout', 'status', 'deployment/hello', '--timeout', `${timeoutMs / 1000}s`], l.kubeconfig);
    await peapod(['get', 'pods', '-o', 'wide'], l.kubeconfig);
  }
  client.close();
  process.stdout.write(
    `\nPeapod is up. Use it with:\n  export KUBECONFIG=${l.kubeconfig}\n  npx peapod get nodes        # or: kubectl get nodes\n  npx peapod get pods -o wide\n  npx peapod down             # stop hub and agent; pods keep running (--purge removes them and ${l.dir})\n`,
  );
  return 0;
}

async function stopPid(name: string, file: string): Promise<void> {
  const pid = readPid(file);
  if (!pid || !alive(pid)) {
    process.stdout.write(`${name} not running\n`);
    rmSync(file, { force: true });
    return;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 20_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(file, { force: true });
  process.stdout.write(`stopped ${name} (pid ${pid})\n`);
}

export async function runDown(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const l = layout(flag(args, 'dir') ?? '.peapod');
  await stopPid('agent', l.pidFile('agent'));
  await stopPid('hub', l.pidFile('hub'));
  if (bool(args, 'purge')) {
    removeNodeContainers(l);
    rmSync(l.dir, { recursive: true, force: true });
    process.stdout.write(`removed ${l.dir}\n`);
  }
  return 0;
}

/**
 * Pods keep running when the agent stops (that is the offline promise); `--purge` removes the local
 * node's pods and containers too, found by the agent's node label.
 */
function removeNodeContainers(l: Layout): void {
  const credential = join(l.agentDir, 'credential.json');
  if (!existsSync(credential)) return;
  const node = (JSON.parse(readFileSync(credential, 'utf8')) as { nodeName?: string }).nodeName;
  if (!node) return;
  const podman = (args: string[]) => spawnSync('podman', args, { encoding: 'utf8' });
  const filter = `label=io.peapod.node=${node}`;
  const pods = podman(['pod', 'ps', '-q', '--filter', filter]).stdout?.split('\n').filter(Boolean) ?? [];
  const containers = podman(['ps', '-aq', '--filter', filter]).stdout?.split('\n').filter(Boolean) ?? [];
  if (containers.length) podman(['rm', '-f', '-t', '0', ...containers]);
  if (pods.length) podman(['pod', 'rm', '-f', '-t', '0', ...pods]);
  process.stdout.write(`removed ${pods.length} pod(s) of node ${node}\n`);
}
