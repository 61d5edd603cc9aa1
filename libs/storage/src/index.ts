export * from './object-store';
export * from './object-key';
export * from './byte-limits';
export * from './fs-presign';
export * from './fs-object-store';
export * from './s3-errors';
export * from './s3-object-store';
export * from './create-object-store';
