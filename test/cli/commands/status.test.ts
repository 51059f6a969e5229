import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { cliIn, cliStateDir } from '../../helpers/cli.js';

const images = (m: Record<string, string>) => ({ SQLRS_IMAGES: JSON.stringify(m) });

t.test("status shows the engine's images, not what the CLI's environment says", async (t) => {
  const dir = await cliStateDir(t);
  const cli = cliIn(dir);
  // The engine this starts keeps this environment.
  const env = images({ 'engine-env': 'postgres://postgres:pw@127.0.0.1:5432/postgres' });
  t.equal((await cli(['status'], { env })).code, 0);
  // Written after the engine read its config: the CLI would see it, the engine does not.
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ images: { 'cli-file': 'postgres://postgres@127.0.0.1:5432/postgres' } }),
  );
  const other = images({ 'cli-env': 'mysql://root@127.0.0.1:3306/' });
  const res = await cli(['status', '--output', 'json'], { env: other });
  t.equal(res.code, 0, res.stderr);
  const shown = JSON.parse(res.stdout).images;
  t.same(
    shown.map((i: { id: string }) => i.id),
    ['postgres', 'engine-env'],
  );
  t.match(shown[1], {
    kind: 'postgres',
    url: 'postgres://postgres@127.0.0.1:5432/postgres',
    ok: true,
    default: false,
  });
  const human = await cli(['status'], { env: other });
  t.match(
    human.stdout,
    /image\s+engine-env\s+ok\s+postgres:\/\/postgres@127\.0\.0\.1:5432\/postgres\n/,
  );
  t.match(human.stdout, /image\s+postgres\s+ok\s+\S+ \(default\)\n/);
  t.notMatch(human.stdout, /cli-env|cli-file|:pw@/);
});
