export * from './design.types';
