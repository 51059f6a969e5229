import t from 'tap';
import { testEngine } from '../helpers/engine.js';
import { conforms } from '../helpers/schema.js';

t.test(
  'GET /v1/images: the config’s images, passwords removed, whether each answers',
  async (t) => {
    const e = await testEngine(t, {
      config: {
        images: {
          'pg-main': 'postgres://postgres:s3cret@127.0.0.1:5432/postgres',
          'pg-gone': 'postgres://postgres@127.0.0.1:1/postgres',
          // pg reads a password from the query as well: it goes too.
          'pg-query': 'postgres://postgres@127.0.0.1:5432/postgres?password=q5ecret',
          'maria:10': 'mysql://root@127.0.0.1:3306/',
        },
        default_image: 'maria:10',
      },
    });
    const res = await e.get('/v1/images');
    t.equal(res.status, 200);
    conforms(t, 'image-list.json', res.json());
    t.same(res.json(), [
      {
        image_id: 'pg-main',
        kind: 'postgres',
        url: 'postgres://postgres@127.0.0.1:5432/postgres',
        default: false,
        answers: true,
      },
      {
        image_id: 'pg-gone',
        kind: 'postgres',
        url: 'postgres://postgres@127.0.0.1:1/postgres',
        default: false,
        answers: false,
      },
      {
        image_id: 'pg-query',
        kind: 'postgres',
        url: 'postgres://postgres@127.0.0.1:5432/postgres',
        default: false,
        answers: true,
      },
      {
        image_id: 'maria:10',
        kind: 'mysql',
        url: 'mysql://root@127.0.0.1:3306/',
        default: true,
        answers: true,
      },
    ]);
    t.notMatch(JSON.stringify(res.json()), /s3cret|q5ecret/);
    t.equal((await e.call('GET', '/v1/images', { token: null })).status, 401);
  },
);

t.test('with no images configured: the local defaults', async (t) => {
  const e = await testEngine(t);
  const ids = (await e.get('/v1/images')).json() as Array<{ image_id: string; default: boolean }>;
  t.same(
    ids.map((i) => [i.image_id, i.default]),
    [
      ['postgres', true],
      ['mariadb', false],
    ],
  );
});
