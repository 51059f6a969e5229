import type { DbmsServer } from '../dbms/types.js';
import { newInstanceId, randomHex } from '../id.js';
import type { StateRow } from '../store/types.js';
import type { PrepareContext } from './context.js';

export interface NewInstance {
  instanceId: string;
  dsn: string;
}

/**
 * Makes a private copy of a sealed state (SPEC §6.2): the pending record first, then the
 * clone, then the instance row (and the name binding) in one catalog write.
 */
export async function createInstance(
  ctx: PrepareContext,
  server: DbmsServer,
  state: StateRow,
  jobId: string,
  name?: string,
): Promise<NewInstance> {
  const instanceId = newInstanceId();
  const db = ctx.names.instance(instanceId);
  const opId = randomHex(8);
  const now = ctx.clock().toISOString();
  await ctx.store.write((w) =>
    w.addPending({
      op_id: opId,
      kind: 'instance_create',
      image_id: state.image_id,
      db_name: db,
      target_id: instanceId,
      job_id: jobId,
      created_at: now,
    }),
  );
  const dsn = server.dsn(db);
  try {
    await server.cloneInstance(state.db_name, db, state.size_bytes);
    await ctx.store.write((w) => {
      w.insertInstance({
        instance_id: instanceId,
        image_id: state.image_id,
        state_id: state.state_id,
        db_name: db,
        dsn,
        created_at: now,
        expires_at: null,
      });
      if (name) {
        w.putName({
          name,
          instance_id: instanceId,
          image_id: state.image_id,
          state_id: state.state_id,
          created_at: now,
          last_used_at: now,
        });
      }
      w.touchState(state.state_id, now);
      w.removePending(opId);
    });
  } catch (err) {
    await server.drop(db, true).catch(() => undefined);
    await ctx.store.write((w) => w.removePending(opId));
    throw err;
  }
  return { instanceId, dsn };
}
