import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { imageTarget } from '../../../../lib/config.js';
import { KINDS } from '../../../../lib/prepare/kinds/index.js';
import { schemaDir } from '../../../../lib/schemas.js';

interface Schema {
  properties: Record<string, { $ref?: string }>;
  $defs?: Record<string, { enum?: string[] }>;
}

const schema = (file: string) =>
  JSON.parse(readFileSync(join(schemaDir(), file), 'utf8')) as Schema;

/** The `prepare_kind` enum of the request schema, following its `$ref`. */
function prepareKindEnum(): string[] | undefined {
  const request = schema('prepare-request.json');
  const ref = request.properties.prepare_kind?.$ref ?? '';
  const [file, pointer] = ref.split('#');
  const holder = file ? schema(file) : request;
  const name = pointer?.split('/').at(-1) ?? '';
  return holder.$defs?.[name]?.enum;
}

t.test('every registered kind satisfies PrepareKind under its own name', async (t) => {
  const request = schema('prepare-request.json');
  for (const [name, kind] of Object.entries(KINDS)) {
    t.equal(kind.name, name, `${name}: registered under its name`);
    t.ok(['postgres', 'mysql'].includes(kind.dbms), `${name}: a known server kind`);
    t.equal(
      imageTarget({}, kind.localImage).kind,
      kind.dbms,
      `${name}: its local image is a ${kind.dbms} server`,
    );
    t.ok(request.properties[kind.argsField], `${name}: ${kind.argsField} is a request field`);
    for (const method of ['accept', 'hash', 'runStep'] as const)
      t.type(kind[method], 'function', `${name}: ${method}`);
  }
  const fields = Object.values(KINDS).map((k) => k.argsField);
  t.equal(new Set(fields).size, fields.length, 'each kind has a field of its own');
});

t.test("the schema's prepare_kind enum names exactly the registered kinds", async (t) => {
  t.same([...(prepareKindEnum() ?? [])].sort(), Object.keys(KINDS).sort());
});
