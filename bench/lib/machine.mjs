// The machine a benchmark ran on: cores, memory, CPU model, kernel, node and podman versions.
import { execFileSync } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';

export function describeMachine() {
  let podman = 'not installed';
  try {
    podman = execFileSync('podman', ['--version'], { encoding: 'utf8' })
      .trim()
      .replace(/^podman version /, '');
  } catch {
    // stays "not installed"
  }
  return {
    cores: cpus().length,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    kernel: `Linux ${release()}`,
    node: process.version,
    podman,
  };
}

export function machineLine(m) {
  return `${m.cores} cores, ${m.memory} RAM, ${m.cpu}, ${m.kernel}, node ${m.node}, podman ${m.podman}`;
}
