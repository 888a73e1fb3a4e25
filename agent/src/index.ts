export * from './runtime/driver.js';
export * from './runtime/errors.js';
export * from './runtime/podman.js';
