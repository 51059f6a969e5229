import { fileURLToPath } from 'node:url';

/** The state every test starts from: the schema, then the seed rows (cached after the first run). */
export const SPEC = { psql: ['-f', 'schema.sql', '-f', 'seed.sql'] };

/** The scripts' directory, so the suite runs from anywhere. */
export const OPTIONS = { cwd: fileURLToPath(new URL('.', import.meta.url)) };
