/** `import { createFetchHandler, createLambdaHandler } from 'sqlrs/cloud'` */
export { createFetchHandler, type FetchHandler } from './fetch.js';
export {
  createLambdaHandler,
  type HttpApiEventV2,
  type HttpApiResultV2,
  type LambdaHandler,
} from './lambda.js';
export type { CloudOptions } from './options.js';
