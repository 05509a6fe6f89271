export * from './law.types';
export * from './random';
