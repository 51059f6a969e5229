import mysql from 'mysql2/promise';
import type { Conn } from './schema-objects.js';

/**
 * Connections for schema copies (clone.ts), `width` per copy, two copies at once. They allow
 * multiple statements, which only the copy's own SQL (every name quoted) uses: it reads a
 * schema's definitions in one round trip. A copy takes its connections all at once, one copy
 * after another, so two copies never hold part of what each waits for.
 */
export class ClonePool {
  private readonly pool: mysql.Pool;
  private taking: Promise<unknown> = Promise.resolve();

  constructor(
    url: string,
    private readonly width: number,
  ) {
    this.pool = mysql.createPool({
      uri: url,
      connectionLimit: width * 2,
      maxIdle: width,
      multipleStatements: true,
    });
  }

  async with<T>(fn: (conns: Conn[]) => Promise<T>): Promise<T> {
    const taken = this.taking.then(() => this.take());
    this.taking = taken.catch(() => undefined);
    const conns = await taken;
    try {
      return await fn(conns);
    } finally {
      for (const c of conns) c.release();
    }
  }

  private async take(): Promise<Conn[]> {
    const conns: Conn[] = [];
    try {
      for (let i = 0; i < this.width; i++) conns.push(await this.pool.getConnection());
      return conns;
    } catch (err) {
      for (const c of conns) c.release();
      throw err;
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
