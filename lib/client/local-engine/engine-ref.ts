/** A running engine as engine.json names it, with the state dir it was found in. */
export interface EngineRef {
  endpoint: string;
  authToken: string;
  stateDir: string;
  version: string;
  instanceId: string;
  pid: number;
}
