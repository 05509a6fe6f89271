export * from './store.types';
export * from './config-key';
export type { StoreKeyOptions } from './store-keys';
export * from './sweep-store';
export { SweepReader } from './sweep-reader';
export * from './plan-lock';
export * from './sweep-deletion-store';
export * from './failure-summary';
