import { cpuToMilli, type DeviceCondition, memoryToBytes, type ResourceList } from '@peapod/core';
import type { DeviceReadings } from './readings.js';

/** Kubelet hard-eviction defaults (k8s-semantics §7): the basis of the pressure conditions. */
export const EVICTION_MEMORY_AVAILABLE_BYTES = 100 * 1024 * 1024;
export const EVICTION_DISK_AVAILABLE_FRACTION = 0.1;
export const PID_PRESSURE_FRACTION = 0.9;
export const MAX_PODS = 110;

/** Conditions as kubelet words them, computed from real readings on the device. */
export function computeConditions(
  r: DeviceReadings,
  runtime: { healthy: boolean; message?: string },
): DeviceCondition[] {
  const memoryPressure = r.memoryAvailableBytes < EVICTION_MEMORY_AVAILABLE_BYTES;
  const diskPressure =
    r.diskTotalBytes > 0 && r.diskAvailableBytes < r.diskTotalBytes * EVICTION_DISK_AVAILABLE_FRACTION;
  const pidPressure = r.processes > r.pidMax * PID_PRESSURE_FRACTION;
  return [
    memoryPressure
      ? {
          type: 'MemoryPressure',
          status: 'True',
          reason: 'KubeletHasInsufficientMemory',
          message: 'kubelet has insufficient memory available',
        }
      : {
          type: 'MemoryPressure',
          status: 'False',
          reason: 'KubeletHasSufficientMemory',
          message: 'kubelet has sufficient memory available',
        },
    diskPressure
      ? { type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure' }
      : {
          type: 'DiskPressure',
          status: 'False',
          reason: 'KubeletHasNoDiskPressure',
          message: 'kubelet has no disk pressure',
        },
    pidPressure
      ? {
          type: 'PIDPressure',
          status: 'True',
          reason: 'KubeletHasInsufficientPID',
          message: 'kubelet has insufficient PID available',
        }
      : {
          type: 'PIDPressure',
          status: 'False',
          reason: 'KubeletHasSufficientPID',
          message: 'kubelet has sufficient PID available',
        },
    runtime.healthy
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
      : {
          type: 'Ready',
          status: 'False',
          reason: 'KubeletNotReady',
          message: runtime.message ?? 'container runtime is down',
        },
  ];
}

export function capacityOf(r: DeviceReadings): ResourceList {
  return {
    cpu: String(r.cpuCores),
    memory: `${Math.floor(r.memoryTotalBytes / 1024)}Ki`,
    'ephemeral-storage': `${Math.floor(r.diskTotalBytes / 1024)}Ki`,
    pods: String(MAX_PODS),
  };
}

/** allocatable = capacity − reserved − hard-eviction thresholds (never below zero). */
export function allocatableOf(r: DeviceReadings, reserved: { cpu: string; memory: string }): ResourceList {
  const cpuMilli = Math.max(0, r.cpuCores * 1000 - cpuToMilli(reserved.cpu));
  const memory = Math.max(0, r.memoryTotalBytes - memoryToBytes(reserved.memory) - EVICTION_MEMORY_AVAILABLE_BYTES);
  const disk = Math.max(0, r.diskTotalBytes * (1 - EVICTION_DISK_AVAILABLE_FRACTION));
  return {
    cpu: cpuMilli % 1000 === 0 ? String(cpuMilli / 1000) : `${cpuMilli}m`,
    memory: `${Math.floor(memory / 1024)}Ki`,
    'ephemeral-storage': `${Math.floor(disk / 1024)}Ki`,
    pods: String(MAX_PODS),
  };
}
