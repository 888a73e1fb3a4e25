export * from './agent.js';
export { createPodManager, type PodManagerOptions } from './pods/manager.js';
export * from './pods/types.js';
export * from './runtime/docker.js';
export * from './runtime/driver.js';
export * from './runtime/errors.js';
export * from './runtime/index.js';
export * from './runtime/podman.js';
export * from './sim/index.js';
