import { sizeThreadPool, threadPoolSize } from './libuv-threadpool';

describe('sizeThreadPool', () => {
  it('gives every job a pool thread and a few to spare, unless UV_THREADPOOL_SIZE is set', () => {
    expect(threadPoolSize(16)).toBe(20);
    expect(threadPoolSize(2000)).toBe(1024);

    const env: NodeJS.ProcessEnv = { FLEETSIGN_SIGNER_CONCURRENCY: '32' };
    sizeThreadPool(env);
    expect(env.UV_THREADPOOL_SIZE).toBe('36');

    const preset: NodeJS.ProcessEnv = { UV_THREADPOOL_SIZE: '7' };
    sizeThreadPool(preset);
    expect(preset.UV_THREADPOOL_SIZE).toBe('7');

    const broken: NodeJS.ProcessEnv = { FLEETSIGN_SIGNER_CONCURRENCY: 'many' };
    sizeThreadPool(broken);
    expect(broken.UV_THREADPOOL_SIZE).toBeUndefined();
  });
});
