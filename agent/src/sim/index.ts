export * from './hollow-fleet.js';
export { SimulatedDriver, type SimulatedDriverOptions } from './simulated-driver.js';
