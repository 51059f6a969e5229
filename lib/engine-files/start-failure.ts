/** The event an engine that could not start logs before it exits; the CLI shows its message. */
export const START_FAILED = 'engine_start_failed';
