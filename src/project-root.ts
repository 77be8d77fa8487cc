import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder, where `.data/` and `.tools/` live. */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
