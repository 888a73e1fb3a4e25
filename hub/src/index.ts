export * from './api/namespaces.js';
export * from './api/service.js';
export * from './store/sqlite.js';
export type * from './store/types.js';
