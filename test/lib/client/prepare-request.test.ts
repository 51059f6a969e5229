import t from 'tap';
import { prepareBody, specFiles } from '../../../lib/client/prepare-request.js';

t.test('psql: paths absolute against cwd, stdin and the optional fields', async (t) => {
  const spec = { psql: ['-f', 'a.sql', '-f', '-', '-c', 'select 1'], stdin: 'select 2' };
  t.same(specFiles(spec, '/w'), {
    args: ['-f', '/w/a.sql', '-f', '-', '-c', 'select 1'],
    readsStdin: true,
  });
  t.same(prepareBody(spec, { cwd: '/w', image: 'postgres:15', name: 'dev', ttlSeconds: 60 }), {
    prepare_kind: 'psql',
    psql_args: ['-f', '/w/a.sql', '-f', '-', '-c', 'select 1'],
    stdin: 'select 2',
    image_id: 'postgres:15',
    name: 'dev',
    ttl_seconds: 60,
  });
});

t.test('mysql: positional files; fields left out are not sent', async (t) => {
  t.same(prepareBody({ mysql: ['s.sql', '-e', 'x.sql'] }, { cwd: '/w' }), {
    prepare_kind: 'mysql',
    mysql_args: ['/w/s.sql', '-e', 'x.sql'],
  });
  t.equal(specFiles({ mysql: ['s.sql'] }, '/w').readsStdin, false);
});
