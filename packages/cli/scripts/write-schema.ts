/**
 * Writes schema/splitnet.schema.json from the zod schema (`pnpm --filter splitnet schema`).
 * A unit test fails when the committed file is not current.
 */
import { writeFile } from 'node:fs/promises';
import { splitnetJsonSchema } from '../src/config/schema.js';

const target = new URL('../schema/splitnet.schema.json', import.meta.url);
await writeFile(target, `${JSON.stringify(splitnetJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
