export * from './errors.js';
export * from './resources.js';
export * from './types.js';
