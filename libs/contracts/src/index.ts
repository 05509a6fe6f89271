export * from './queues';
export * from './run-job.types';
export * from './job-options';
export * from './sweep-spec.schema';
export * from './plain-logs';
export * from './trainer-placeholders';
export * from './run-export';
export * from './sweep-update';
