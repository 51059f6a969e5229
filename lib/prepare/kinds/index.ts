import type { PrepareKind, PrepareKindName } from './kind.js';
import { mysqlKind } from './mysql/index.js';
import { psqlKind } from './psql/index.js';

/**
 * Every prepare kind, by its `prepare_kind` name. A new kind is a folder next to these and one
 * line here; the request schema names it too (its name in schemas/common.json, its `<x>_args`
 * field in schemas/prepare-request.json; test/lib/prepare/kinds/index.test.ts holds them
 * equal), and its worker tasks join lib/tasks.ts's table.
 */
export const KINDS: Readonly<Record<PrepareKindName, PrepareKind>> = {
  psql: psqlKind,
  mysql: mysqlKind,
};
