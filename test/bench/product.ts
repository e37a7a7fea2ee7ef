/**
 * The product as its users run it: the built `@splitnet/core` (`packages/core/dist`, made by
 * tsup), not the TypeScript sources. tsx, which runs the benchmarks, compiles sources with
 * esbuild's `keepNames`, so every named closure gets a `__name()` call (an
 * `Object.defineProperty`) each time it is created: a cost the published build does not have
 * (`createBoundSocket` creates four closures per connect). tsx leaves `.js` files as they are.
 * `pnpm bench` builds the package first.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Core = typeof import('@splitnet/core');

const dist = new URL('../../packages/core/dist/index.js', import.meta.url);

export async function builtCore(): Promise<Core> {
  if (!existsSync(fileURLToPath(dist))) {
    throw new Error(`${fileURLToPath(dist)} is missing: run pnpm build (pnpm bench does)`);
  }
  return (await import(dist.href)) as Core;
}
