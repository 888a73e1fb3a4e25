export * from './profiles.js';
