import t from 'tap';
import {
  errorCode,
  fromErrorBody,
  httpStatus,
  sqlrsError,
  taskFailure,
  toErrorBody,
} from '../../lib/errors.js';

t.test('codes map to the statuses of docs/api.md, "Errors"', async (t) => {
  t.equal(httpStatus('invalid_argument'), 400);
  t.equal(httpStatus('unauthorized'), 401);
  t.equal(httpStatus('not_found'), 404);
  t.equal(httpStatus('method_not_allowed'), 405);
  t.equal(httpStatus('conflict'), 409);
  t.equal(httpStatus('ambiguous'), 409);
  t.equal(httpStatus('payload_too_large'), 413);
  t.equal(httpStatus('busy'), 503);
  t.equal(httpStatus('unavailable'), 503);
  t.equal(httpStatus('internal_error'), 500);
});

t.test('errors are recognized by code, not by class', async (t) => {
  t.equal(errorCode(sqlrsError('conflict', 'x')), 'conflict');
  t.equal(errorCode({ code: 'not_found' }), 'not_found', 'a plain object with a code counts');
  t.equal(errorCode(Object.assign(new Error('x'), { code: 'ENOENT' })), undefined);
  t.equal(errorCode(null), undefined);
  t.equal(errorCode('boom'), undefined);
});

t.test('a 500 body says nothing internal', async (t) => {
  const body = toErrorBody(new Error('connect ECONNREFUSED secret-host:5432 at /home/x/y.js'));
  t.same(body, { code: 'internal_error', message: 'internal error' });
  t.same(toErrorBody(sqlrsError('internal_error', 'stack here')), {
    code: 'internal_error',
    message: 'internal error',
  });
  t.same(toErrorBody(sqlrsError('conflict', 'taken', 'by x')), {
    code: 'conflict',
    message: 'taken',
    details: 'by x',
  });
  t.same(toErrorBody(sqlrsError('conflict', 'taken')), { code: 'conflict', message: 'taken' });
});

t.test('worker results carry the code across a thread boundary and back', async (t) => {
  const failure = taskFailure(sqlrsError('invalid_argument', 'bad -f', 'line 3'));
  t.same(failure, {
    ok: false,
    error: { code: 'invalid_argument', message: 'bad -f', details: 'line 3' },
  });
  t.same(structuredClone(failure), failure, 'cloneable');
  const back = fromErrorBody(failure.error);
  t.equal(errorCode(back), 'invalid_argument');
  t.equal(back.details, 'line 3');
  t.same(taskFailure(new Error('plain')).error, { code: 'internal_error', message: 'plain' });
  t.same(taskFailure(sqlrsError('busy', 'full')).error, { code: 'busy', message: 'full' });
});
