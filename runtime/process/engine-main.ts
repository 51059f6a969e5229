import { engineLogPath, resolveStateDir } from '../../lib/engine-files/state-dir.js';
import { errorCode } from '../../lib/errors.js';
import { logStartFailure } from '../compose/file-logger.js';
import { startEngine } from './engine.js';
import { engineHelp, parseEngineFlags, wantsHelp } from './flags.js';

/** The sqlrs-engine process: flags, start, and a graceful stop on SIGINT/SIGTERM or idleness. */
async function main(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(engineHelp());
    return 0;
  }
  let flags: ReturnType<typeof parseEngineFlags>;
  try {
    flags = parseEngineFlags(argv);
  } catch (err) {
    process.stderr.write(`sqlrs-engine: ${(err as Error).message}\n`);
    return 2;
  }
  const stateDir = resolveStateDir(flags.engineJson, flags.stateDir);
  const engine = await startEngine({
    host: flags.listen.host,
    port: flags.listen.port,
    stateDir,
    engineJson: flags.engineJson,
    idleTimeoutMs: flags.idleTimeoutMs,
    version: flags.version,
    runDir: flags.runDir,
  }).catch((err) => {
    logStartFailure(engineLogPath(stateDir), (err as Error).message ?? String(err));
    throw err;
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void engine.stop(signal));
  }
  await engine.closed;
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    const code = errorCode(err);
    process.stderr.write(`sqlrs-engine: ${(err as Error).message ?? err}\n`);
    process.exit(code === 'invalid_argument' ? 2 : 1);
  },
);
