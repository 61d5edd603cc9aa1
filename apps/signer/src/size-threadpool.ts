import { sizeThreadPool } from './libuv-threadpool';

// Imported first by main.ts: sizes the libuv thread pool before anything uses it.
sizeThreadPool(process.env);
