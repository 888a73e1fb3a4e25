/**
 * `peapod exec POD [-c C] [-i] [-t] -- CMD…`: WebSocket `v5.channel.k8s.io` to the hub's pods/exec,
 * raw TTY with `-it`, remote exit code propagated.
 */
import { bool, flag, GLOBAL_FLAGS, mergeSpecs, parseArgs } from '../args.js';
import { toStatusError } from '../client.js';
import { CliError, ExitError } from '../errors.js';
import { pickContainer, resolvePod } from '../pods.js';
import { resourcePath, resourceType } from '../resources.js';
import { connect } from '../session.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, {
  values: { container: 'c' },
  bools: { stdin: 'i', tty: 't', quiet: 'q' },
});

const CH_STDIN = 0;
const CH_STDOUT = 1;
const CH_STDERR = 2;
const CH_STATUS = 3;
const CH_RESIZE = 4;
const CH_CLOSE = 255;

interface ExecStatus {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** Exit code from the channel-3 status: 0 on Success, the ExitCode cause for NonZeroExitCode. */
export function exitCodeOf(st: ExecStatus): { code: number; message?: string } {
  if (st.status === 'Success') return { code: 0 };
  if (st.reason === 'NonZeroExitCode') {
    const cause = st.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message ?? 1);
    return { code: Number.isFinite(code) ? code : 1, message: `command terminated with exit code ${code}` };
  }
  return { code: 1, message: `error: ${st.message ?? 'exec failed'}` };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const [ref, ...legacy] = args.positionals;
  if (!ref)
    throw new CliError(
      "expected 'exec POD_NAME COMMAND [ARG1] [ARG2] ... [ARGN]'.\nPOD or TYPE/NAME is a required argument for the exec command",
    );
  const command = args.dashDash ? args.rest : legacy;
  if (command.length === 0) throw new CliError('you must specify at least one command for the container');
  const stdin = bool(args, 'stdin');
  let tty = bool(args, 'tty');
  if (tty && !stdin) {
    process.stderr.write('Unable to use a TTY - input is not provided; use -i\n');
    tty = false;
  }
  if (tty && !process.stdin.isTTY) {
    process.stderr.write('Unable to use a TTY - input is not a terminal or the right kind of file\n');
    tty = false;
  }
  const session = await connect(args);
  const { client } = session;
  const pod = await resolvePod(client, session.namespace, ref);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw new CliError(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  }
  const container = pickContainer(pod, flag(args, 'container'), bool(args, 'quiet'));
  const path = resourcePath(
    resourceType('pods'),
    pod.metadata.namespace ?? session.namespace,
    pod.metadata.name,
    'exec',
  );
  const qs = new URLSearchParams();
  for (const c of command) qs.append('command', c);
  qs.set('container', container);
  if (!tty) qs.set('stderr', 'true');
  if (stdin) qs.set('stdin', 'true');
  qs.set('stdout', 'true');
  if (tty) qs.set('tty', 'true');
  const base = client.url;
  const wsUrl = `${base.protocol === 'http:' ? 'ws' : 'wss'}://${base.host}${base.pathname.replace(/\/$/, '')}${path}?${qs}`;
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(wsUrl, ['v5.channel.k8s.io'], {
    headers: client.authHeaders() as Record<string, string>,
    ...client.tlsOptions(),
  });
  let status: ExecStatus | undefined;
  const restoreTty = () => {
    if (tty && process.stdin.isTTY) process.stdin.setRawMode(false);
  };
  const code = await new Promise<number>((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(toStatusError(res.statusCode ?? 500, Buffer.concat(chunks).toString('utf8'))));
    });
    ws.on('error', (e) => reject(e));
    ws.on('open', () => {
      if (tty) {
        process.stdin.setRawMode(true);
        const resize = () => {
          const frame = JSON.stringify({ Width: process.stdout.columns ?? 80, Height: process.stdout.rows ?? 24 });
          ws.send(Buffer.concat([Buffer.from([CH_RESIZE]), Buffer.from(frame)]));
        };
        resize();
        process.stdout.on('resize', resize);
      }
      if (stdin) {
        process.stdin.on('data', (d: Buffer) => ws.send(Buffer.concat([Buffer.from([CH_STDIN]), d])));
        process.stdin.on('end', () => ws.send(Buffer.from([CH_CLOSE, CH_STDIN])));
        process.stdin.resume();
      }
    });
    ws.on('message', (data: Buffer) => {
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      if (buf.length === 0) return;
      const ch = buf[0];
      const payload = buf.subarray(1);
      if (ch === CH_STDOUT) process.stdout.write(payload);
      else if (ch === CH_STDERR) process.stderr.write(payload);
      else if (ch === CH_STATUS && payload.length) status = JSON.parse(payload.toString('utf8')) as ExecStatus;
    });
    ws.on('close', () => {
      restoreTty();
      process.stdin.pause();
      if (!status) return resolve(0);
      const r = exitCodeOf(status);
      if (r.message) process.stderr.write(`${r.message}\n`);
      resolve(r.code);
    });
  }).finally(restoreTty);
  if (code !== 0) throw new ExitError(code);
  return 0;
}
