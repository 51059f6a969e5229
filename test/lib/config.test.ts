import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import {
  catalogTarget,
  defaultUrl,
  imageTarget,
  kindOfUrl,
  loadConfig,
  redactUrl,
} from '../../lib/config.js';
import { compileSchemas } from '../../lib/schemas.js';
import { tempDir } from '../helpers/tmp.js';

const validators = compileSchemas();

t.test('config file, environment overrides, validation', async (t) => {
  const dir = await tempDir(t);
  t.same(loadConfig(dir, validators, {}), {}, 'no file: empty config');
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ images: { a: 'postgres://x@h/db' }, default_image: 'a' }),
  );
  const env = {
    SQLRS_IMAGES: '{"b":"mysql://root@h:3306/"}',
    SQLRS_DEFAULT_IMAGE: 'b',
    SQLRS_PSQL: '/opt/psql',
  };
  t.same(loadConfig(dir, validators, env), {
    images: { a: 'postgres://x@h/db', b: 'mysql://root@h:3306/' },
    default_image: 'b',
    psql_path: '/opt/psql',
  });
  t.throws(
    () => loadConfig(dir, validators, { SQLRS_IMAGES: 'nope' }),
    /SQLRS_IMAGES must be a JSON object/,
  );
  await writeFile(join(dir, 'config.json'), JSON.stringify({ imagez: {} }));
  t.throws(() => loadConfig(dir, validators, {}), /unknown field config\.imagez/);
  await writeFile(join(dir, 'config.json'), '{');
  t.throws(() => loadConfig(dir, validators, {}), /cannot be read/);
  for (const notObject of ['[]', '"x"', 'null', '3']) {
    await writeFile(join(dir, 'config.json'), notObject);
    t.throws(() => loadConfig(dir, validators, {}), /must be a JSON object/, notObject);
  }
  await writeFile(join(dir, 'config.json'), '{}');
  for (const images of ['["postgres://h/db"]', '"postgres://h/db"', 'null']) {
    t.throws(
      () => loadConfig(dir, validators, { SQLRS_IMAGES: images }),
      /SQLRS_IMAGES must be a JSON object/,
      images,
    );
  }
  await writeFile(join(dir, 'config.json'), JSON.stringify({ default_image: 'nope' }));
  t.throws(() => loadConfig(dir, validators, {}), /image_id nope is not configured/);
  t.throws(
    () => loadConfig(dir, validators, { SQLRS_DEFAULT_IMAGE: 'oracle' }),
    /image_id oracle is not configured/,
  );
  await writeFile(join(dir, 'config.json'), JSON.stringify({ default_image: 'mariadb:10.11' }));
  t.equal(loadConfig(dir, validators, {}).default_image, 'mariadb:10.11', 'a local family is fine');
});

t.test('image targets and default servers', async (t) => {
  t.same(imageTarget({}, undefined, {}), {
    imageId: 'postgres',
    kind: 'postgres',
    url: 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  t.match(imageTarget({}, 'postgres:15', {}), { imageId: 'postgres:15', kind: 'postgres' });
  t.match(imageTarget({}, 'mariadb:10.11', {}), {
    kind: 'mysql',
    url: 'mysql://root@127.0.0.1:3306/',
  });
  t.match(imageTarget({ images: { x: 'mysql://u@h/' } }, 'x', {}), { kind: 'mysql' });
  t.match(
    imageTarget({ default_image: 'pg', images: { pg: 'postgresql://a@b/c' } }, undefined, {}),
    { imageId: 'pg' },
  );
  t.throws(() => imageTarget({}, 'oracle', {}), { code: 'invalid_argument' });
  t.equal(
    defaultUrl('postgres', { PGUSER: 'me', PGPASSWORD: 'p w', PGHOST: 'db', PGPORT: '6000' }),
    'postgres://me:p%20w@db:6000/postgres',
  );
  t.equal(
    defaultUrl('postgres', { PGHOST: '/run/pg' }),
    'postgres://postgres@localhost:5432/postgres?host=%2Frun%2Fpg',
  );
  t.equal(
    defaultUrl('mysql', { MYSQL_USER: 'u', MYSQL_PASSWORD: 'x', MYSQL_HOST: 'm', MYSQL_PORT: '1' }),
    'mysql://u:x@m:1/',
  );
  t.equal(kindOfUrl('mariadb://x'), 'mysql');
});

t.test('redaction', async (t) => {
  t.equal(redactUrl('postgres://u:secret@h:1/db'), 'postgres://u@h:1/db');
  t.equal(redactUrl('postgres://u@h/db'), 'postgres://u@h/db');
  t.equal(redactUrl('not a url'), '<invalid url>');
  // pg and mysql2 take a password from the query as well as from the userinfo.
  t.equal(redactUrl('postgres://u@h/db?password=secret'), 'postgres://u@h/db');
  t.equal(
    redactUrl('mysql://root@h:3306/?Password=secret&charset=utf8'),
    'mysql://root@h:3306/?charset=utf8',
  );
  t.equal(
    redactUrl('postgres://u@localhost:5432/postgres?host=%2Frun%2Fpg&sslpassword=s&sslkey=%2Fk'),
    'postgres://u@localhost:5432/postgres?host=%2Frun%2Fpg',
  );
  t.equal(redactUrl('mysql://u@h/?password1=a&password2=b'), 'mysql://u@h/');
  // The plain form the engine writes takes a fast path; a secret in its query still goes.
  t.equal(redactUrl('postgres://u:p@h:5432/db?password=x'), 'postgres://u@h:5432/db');
});

/** Every combination of one value from each list. */
function product<T>(lists: T[][]): T[][] {
  return lists.reduce<T[][]>((acc, list) => acc.flatMap((p) => list.map((v) => [...p, v])), [[]]);
}

/** Redaction through the URL parser alone: what redactUrl must give for every input. */
function parsedRedaction(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '';
    return u.toString().replace(/^(\w+:\/\/[^@/]*):@/, '$1@');
  } catch {
    return '<invalid url>';
  }
}

t.test('redaction without the parser gives what the parser gives, on tricky DSNs', async (t) => {
  const schemes = ['postgres', 'postgresql', 'mysql', 'mariadb', 'POSTGRES', 'http', 'pg'];
  const users = ['', 'u', 'U.x~-_', 'a%41', 'a%zz', 'ü', 'a b', 'a"b', "o'k", 'a@b'];
  const passwords = [undefined, '', 's3cr~t', 'p%40ss', 'a:b', 'x/y', 'q?r', 'a#b', 'é', 'a"b'];
  const hosts = ['h', 'H.Example', '127.0.0.1', '127.1', '0x7f.1', '[::1]', 'a_b', 'h%41', 'ü'];
  const ports = ['', ':5432', ':0', ':05432', ':65535', ':65536', ':99999', ':'];
  const paths = ['', '/', '/db', '/sqlrs_1a2b_i_ff', '/.', '/..', '/a.b', '/%2e', '/a b', '/d/e'];
  const queries = ['', '?sslmode=disable', '?a=b&c=d', '?x y', '?a="b"', '?%', '#f'];
  const dsns = [
    ...product([schemes, users, passwords, ['h', ...hosts]]).map(
      ([scheme, user, password, host]) =>
        `${scheme}://${user}${password === undefined ? '' : `:${password}`}@${host}:5432/db`,
    ),
    ...product([hosts, ports, paths, queries]).map((parts) => `postgres://u:pw@${parts.join('')}`),
  ];
  const differ = dsns.filter((dsn) => redactUrl(dsn) !== parsedRedaction(dsn));
  t.same(
    differ.map((dsn) => [dsn, redactUrl(dsn)]),
    differ.map((dsn) => [dsn, parsedRedaction(dsn)]),
    `${dsns.length} DSNs redacted alike`,
  );
  t.equal(
    redactUrl('mysql://sqlrs_1a2b_i_ff:0f1e2d@127.0.0.1:3306/sqlrs_1a2b_i_ff?ssl=true'),
    'mysql://sqlrs_1a2b_i_ff@127.0.0.1:3306/sqlrs_1a2b_i_ff?ssl=true',
    'a restricted instance DSN loses its password',
  );
});

t.test('cache budget values: bad ones are refused naming the field', async (t) => {
  const dir = await tempDir(t);
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ cache_max_bytes: -1 }, /cache_max_bytes/],
    [{ cache_max_bytes: 1.5 }, /cache_max_bytes/],
    [{ cache_low_watermark: 0 }, /cache_low_watermark/],
    [{ cache_low_watermark: 1.5 }, /cache_low_watermark/],
    [{ cache_min_age: '10 minutes' }, /cache_min_age/],
    // Past the bound every pass would fail on a date it cannot write.
    [{ cache_min_age: '100000000000h' }, /cache_min_age must be 0 to 8784h/],
  ];
  for (const [config, message] of bad) {
    await writeFile(join(dir, 'config.json'), JSON.stringify(config));
    t.throws(() => loadConfig(dir, validators, {}), message, JSON.stringify(config));
    t.throws(() => loadConfig(dir, validators, {}, config as never), message, 'given in code');
  }
  const good = { cache_max_bytes: 0, cache_low_watermark: 1, cache_min_age: '0' };
  await writeFile(join(dir, 'config.json'), JSON.stringify(good));
  t.same(loadConfig(dir, validators, {}), good);
});

t.test(
  'catalog: embedded by default, a PostgreSQL URL shares it; SQLRS_CATALOG wins',
  async (t) => {
    const dir = await tempDir(t);
    t.same(catalogTarget(loadConfig(dir, validators, {})), { kind: 'sqljs' });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ catalog: 'sqljs' }));
    t.same(catalogTarget(loadConfig(dir, validators, {})), { kind: 'sqljs' });
    const url = 'postgres://sqlrs:pw@db.example:5432/cache';
    await writeFile(join(dir, 'config.json'), JSON.stringify({ catalog: url }));
    t.same(catalogTarget(loadConfig(dir, validators, {})), {
      kind: 'postgres',
      url,
      schema: 'sqlrs_catalog',
    });
    const other = 'postgresql://h/other';
    const config = loadConfig(dir, validators, { SQLRS_CATALOG: other });
    t.equal(config.catalog, other, 'the environment overrides the file');
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ catalog: url, catalog_schema: 'team_a' }),
    );
    t.match(catalogTarget(loadConfig(dir, validators, {})), { schema: 'team_a' });
    t.same(
      catalogTarget(loadConfig(dir, validators, { SQLRS_CATALOG: 'sqljs' })),
      { kind: 'sqljs' },
      'SQLRS_CATALOG=sqljs embeds it again',
    );
    const given = loadConfig(dir, validators, {}, { catalog: other });
    t.match(catalogTarget(given), { kind: 'postgres', url: other }, 'a config given in code');
  },
);

t.test('catalog values: bad ones are refused naming the key, never the URL', async (t) => {
  const dir = await tempDir(t);
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ catalog: 'mysql://root@h/db' }, /config\.catalog: must match pattern/],
    [{ catalog: 'postgres://' }, /config\.catalog: must match pattern/],
    [
      { catalog: 'postgres:///db?password=hunter2' },
      /^(?!.*hunter2).*catalog: not a PostgreSQL URL/,
    ],
    [{ catalog: '' }, /config\.catalog/],
    [{ catalog: 5 }, /config\.catalog: must be string/],
    [{ catalog_schema: 'Upper' }, /config\.catalog_schema: must match pattern/],
    [{ catalog_schema: '1abc' }, /config\.catalog_schema/],
    [{ catalog_schema: 'a'.repeat(64) }, /config\.catalog_schema/],
    [{ catalog_schema: 'x; drop' }, /config\.catalog_schema/],
  ];
  for (const [config, message] of bad) {
    await writeFile(join(dir, 'config.json'), JSON.stringify(config));
    t.throws(() => loadConfig(dir, validators, {}), message, JSON.stringify(config));
  }
  await writeFile(join(dir, 'config.json'), '{}');
  t.throws(
    () => loadConfig(dir, validators, { SQLRS_CATALOG: 'sqlite' }),
    /config\.catalog: must match pattern/,
    'a bad SQLRS_CATALOG is named by its key too',
  );
  await writeFile(join(dir, 'config.json'), JSON.stringify({ catalog_schema: 'a'.repeat(63) }));
  t.equal(loadConfig(dir, validators, {}).catalog_schema, 'a'.repeat(63), '63 characters fit');
});
