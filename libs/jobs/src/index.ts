export * from './jobs.sql';
export * from './job-store';
export * from './job-context';
export * from './jobs-runtime';
export * from './nest/job-handler.decorator';
export * from './nest/jobs.module';
export * from './jobs-control';
export * from './stage';
