import t from 'tap';
import { pgCatalog } from '../../../helpers/pg-catalog.js';
import { storeContract } from '../../../helpers/store-contract.js';

t.test('the Store contract, shared catalog in PostgreSQL', async (t) => {
  storeContract(t, async (t, now) => {
    const cat = await pgCatalog(t, now);
    return { open: () => cat.open() };
  });
});
