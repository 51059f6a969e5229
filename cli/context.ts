import type { Readable } from 'node:stream';
import type { EngineClient } from './client.js';

export interface CliContext {
  /** Arguments after the command name. */
  argv: string[];
  stateDir: string;
  output: 'human' | 'json';
  verbose: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: Readable & { isTTY?: boolean };
  out: (s: string) => void;
  err: (s: string) => void;
  stderrIsTTY: boolean;
  stdoutColumns?: number;
  /** Finds or starts the engine (lazily: --help never starts one). */
  client: () => Promise<EngineClient>;
}

export type Command = (ctx: CliContext) => Promise<number>;

export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

export const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
