export * from './runtime/driver.js';
