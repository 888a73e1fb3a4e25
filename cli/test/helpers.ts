import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled `peapod` binary (run `npx tsc -b` first). */
export const PEAPOD = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (optionally feeding stdin); never throws on a non-zero exit. */
export function runCommand(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; stdin?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

/** `peapod` and `kubectl` bound to one kubeconfig. */
export function clients(kubeconfig: string, kubectlCacheDir: string) {
  return {
    peapod: (args: string[], stdin?: string) =>
      runCommand(process.execPath, [PEAPOD, ...args], { env: { KUBECONFIG: kubeconfig }, stdin }),
    kubectl: (args: string[], stdin?: string) =>
      runCommand('kubectl', [...args, `--cache-dir=${kubectlCacheDir}`], { env: { KUBECONFIG: kubeconfig }, stdin }),
  };
}

/** Replaces AGE-like cells so outputs taken a moment apart compare equal. */
export function maskAges(s: string): string {
  return s.replace(/\b\d+(?:s|m|h|d|y)(?:\d+(?:s|m|h))?\b/g, '<age>');
}
