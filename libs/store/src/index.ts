export * from './store.types';
export * from './config-key';
export * from './sweep-store';
export * from './failure-summary';
export type { StoreKeyOptions } from './store-keys';
