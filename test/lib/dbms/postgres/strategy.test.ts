import t from 'tap';
import { AUTO_FILE_COPY_BYTES, chooseStrategy } from '../../../../lib/dbms/postgres/strategy.js';

t.test('auto: WAL_LOG below the crossover, FILE_COPY from it', async (t) => {
  t.equal(chooseStrategy('auto', 1024), 'WAL_LOG');
  t.equal(chooseStrategy('auto', null), 'WAL_LOG', 'size unknown');
  t.equal(chooseStrategy('auto', AUTO_FILE_COPY_BYTES), 'FILE_COPY');
  t.equal(chooseStrategy('auto', 10, 5), 'FILE_COPY', 'a configured crossover');
});

t.test('a copy made ahead (warm pool) is FILE_COPY under auto, at any size', async (t) => {
  t.equal(chooseStrategy('auto', 1024, undefined, true), 'FILE_COPY');
  t.equal(chooseStrategy('auto', null, undefined, true), 'FILE_COPY');
});

t.test('a copy of a state built moments ago is WAL_LOG under auto, at any size', async (t) => {
  t.equal(chooseStrategy('auto', AUTO_FILE_COPY_BYTES * 4, undefined, false, true), 'WAL_LOG');
  t.equal(chooseStrategy('file_copy', 1, undefined, false, true), 'FILE_COPY', 'configured');
  t.equal(chooseStrategy('auto', 1, undefined, true, true), 'FILE_COPY', 'made ahead');
});

t.test('a configured strategy holds for every copy', async (t) => {
  t.equal(chooseStrategy('wal_log', AUTO_FILE_COPY_BYTES * 2, undefined, true), 'WAL_LOG');
  t.equal(chooseStrategy('file_copy', 1), 'FILE_COPY');
});
