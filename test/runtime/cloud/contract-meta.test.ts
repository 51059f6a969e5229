import t from 'tap';
import { compileSchemas } from '../../../lib/schemas.js';
import { createRouter } from '../../../runtime/edge/router.js';
import { ROUTES } from '../../../runtime/edge/routes.js';
import { loadFixtures } from '../../helpers/contract.js';

t.test('every endpoint and every documented status has a contract fixture', async (t) => {
  const fixtures = loadFixtures();
  t.ok(fixtures.length >= 30, `${fixtures.length} fixtures`);
  const match = createRouter(ROUTES, compileSchemas());
  const covered = new Set<string>();
  for (const f of fixtures) {
    const { route } = match(f.request.method, f.request.path.split('?')[0] as string);
    covered.add(`${route.method} ${route.pattern} ${f.expect.status}`);
  }
  for (const r of ROUTES) {
    for (const status of Object.keys(r.responses)) {
      t.ok(
        covered.has(`${r.method} ${r.pattern} ${status}`),
        `${r.method} ${r.pattern} -> ${status}`,
      );
    }
  }
});
