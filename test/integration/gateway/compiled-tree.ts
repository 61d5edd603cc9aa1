import { transformFile } from '@swc/core';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';

/** Repository root (this file lives in test/integration/gateway). */
export const REPO_ROOT = resolve(__dirname, '../../..');

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === '__fixtures__' ? [] : sourceFiles(path);
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
    }),
  );
  return nested.flat();
}

/**
 * Compiles apps/gateway and every lib (keys included, so a stray import of it would
 * really load) to CommonJS under `outDir`, with the tsconfig path aliases rewritten to
 * relative requires: plain `node` can then run the gateway in a process of its own,
 * free of anything a Jest worker loaded before.
 */
export async function compileGatewayTree(outDir: string): Promise<void> {
  await compileTree(outDir, ['apps/gateway/src', 'libs']);
}

/** Compiles the TypeScript under `roots` (repository-relative folders) like compileGatewayTree does. */
export async function compileTree(outDir: string, roots: string[]): Promise<void> {
  const tsconfig = JSON.parse(await readFile(join(REPO_ROOT, 'tsconfig.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  const files = (await Promise.all(roots.map((root) => sourceFiles(join(REPO_ROOT, root))))).flat();
  await Promise.all(
    files.map(async (file) => {
      const { code } = await transformFile(file, {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
          baseUrl: REPO_ROOT,
          paths: tsconfig.compilerOptions.paths,
        },
        module: { type: 'commonjs' },
        sourceMaps: false,
      });
      const target = join(outDir, relative(REPO_ROOT, file)).replace(/\.ts$/, '.js');
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, code);
    }),
  );
}
