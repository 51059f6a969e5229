import { invalidArgument } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The pattern a duration in config.json must match (schemas/engine-config.json keeps a copy). */
export const DURATION_PATTERN = /^(0|(\d+(\.\d+)?(ms|s|m|h))+)$/;

/** Go-style durations: `30s`, `2m`, `1h30m`, `500ms`, `0`. */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw invalidArgument(`invalid duration ${JSON.stringify(text)} (use e.g. 30s, 2m, 1h30m, 0)`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * (UNITS[p[2] as string] as number), 0);
}
