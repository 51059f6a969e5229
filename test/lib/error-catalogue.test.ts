import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ERROR_STATUS, type ErrorCode, httpStatus } from '../../lib/errors.js';
import type { ErrorBody as WireErrorBody } from '../../lib/schema-types.js';

// lib/errors.ts's ERROR_STATUS is the one list of error codes; the schema's enum (and so the
// generated type) and docs/api.md's table repeat it and must not drift from it.

const repoFile = (path: string) =>
  readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), 'utf8');

// Compiles only while the generated type's codes are exactly the catalogue's.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const generatedCodesMatch: Same<WireErrorBody['code'], ErrorCode> = true;

const catalogue = Object.entries(ERROR_STATUS) as [ErrorCode, number][];

t.test("the schema's code enum is the catalogue, in its order", async (t) => {
  t.ok(generatedCodesMatch);
  const schema = JSON.parse(repoFile('schemas/error.json'));
  t.same(
    schema.properties.code.enum,
    catalogue.map(([code]) => code),
  );
});

t.test('each code maps to its status', async (t) => {
  for (const [code, status] of catalogue) t.equal(httpStatus(code), status, code);
});

t.test("docs/api.md's error table lists every code with its status, and no other", async (t) => {
  const section = repoFile('docs/api.md')
    .split(/^## /m)
    .find((s) => s.startsWith('Errors\n'));
  t.ok(section, 'docs/api.md has an Errors section');
  const rows = [...(section ?? '').matchAll(/^\| `([a-z_]+)` +\| (\d{3}) +\|/gm)].map(
    ([, code, status]): [string, number] => [code ?? '', Number(status)],
  );
  const byCode = (a: [string, number], b: [string, number]) => a[0].localeCompare(b[0]);
  t.same(rows.sort(byCode), [...catalogue].sort(byCode));
});
