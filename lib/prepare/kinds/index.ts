import type { PrepareKind, PrepareKindName } from './kind.js';
import { mysqlKind } from './mysql/index.js';
import { psqlKind } from './psql/index.js';

/**
 * Every prepare kind, by its `prepare_kind` name. A new kind is a folder next to these, one
 * line here, and its name in schemas/common.json (test/lib/prepare/kinds/index.test.ts holds
 * the two lists equal).
 */
export const KINDS: Readonly<Record<PrepareKindName, PrepareKind>> = {
  psql: psqlKind,
  mysql: mysqlKind,
};
