/**
 * Polls `probe` until it holds. The bound only keeps a broken test from hanging: it is far
 * above what any wait takes on a busy machine, and no test reads the time spent.
 */
export async function until(probe: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2400; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}
