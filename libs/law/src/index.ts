export * from './law.types';
export * from './random';
export * from './registry';
