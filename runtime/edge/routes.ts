import { evictCache } from '../../handlers/cache-evict.js';
import { getCache } from '../../handlers/cache-get.js';
import { health } from '../../handlers/health.js';
import { listImages } from '../../handlers/images-list.js';
import { deleteInstance } from '../../handlers/instances-delete.js';
import { getInstance } from '../../handlers/instances-get.js';
import { listInstances } from '../../handlers/instances-list.js';
import { renewInstance } from '../../handlers/instances-renew.js';
import { getName } from '../../handlers/names-get.js';
import { listNames } from '../../handlers/names-list.js';
import { getOpenApi } from '../../handlers/openapi.js';
import { cancelPrepareJob } from '../../handlers/prepare-jobs-cancel.js';
import { createPrepareJob } from '../../handlers/prepare-jobs-create.js';
import { deletePrepareJob } from '../../handlers/prepare-jobs-delete.js';
import { streamJobEvents } from '../../handlers/prepare-jobs-events.js';
import { getPrepareJob } from '../../handlers/prepare-jobs-get.js';
import { listPrepareJobs } from '../../handlers/prepare-jobs-list.js';
import { deleteState } from '../../handlers/states-delete.js';
import { getState } from '../../handlers/states-get.js';
import { listStates } from '../../handlers/states-list.js';
import { listTasks } from '../../handlers/tasks-list.js';
import type { Route } from './types.js';

const E = 'error.json';
const guarded = { 400: E, 401: E } as const;

/** The route table: the one list of endpoints that every adapter and the docs are built from. */
export const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    pattern: '/v1/health',
    handler: health,
    auth: false,
    query: 'empty-query.json',
    responses: { 200: 'health.json' },
    summary: 'Engine liveness, version and identity',
  },
  {
    method: 'GET',
    pattern: '/v1/openapi.json',
    handler: getOpenApi,
    auth: false,
    query: 'empty-query.json',
    responses: { 200: 'openapi-document.json' },
    summary: 'This API as an OpenAPI 3.1 document',
  },
  {
    method: 'GET',
    pattern: '/v1/images',
    handler: listImages,
    auth: true,
    query: 'empty-query.json',
    responses: { 200: 'image-list.json', ...guarded },
    summary: "The engine's images and whether each one's server answers the engine",
  },
  {
    method: 'GET',
    pattern: '/v1/names',
    handler: listNames,
    auth: true,
    query: 'names-query.json',
    responses: { 200: 'name-list.json', ...guarded },
    summary: 'List names',
  },
  {
    method: 'GET',
    pattern: '/v1/names/:name',
    handler: getName,
    auth: true,
    query: 'empty-query.json',
    responses: { 200: 'name-entry.json', ...guarded, 404: E },
    summary: 'Get a name',
  },
  {
    method: 'GET',
    pattern: '/v1/instances',
    handler: listInstances,
    auth: true,
    query: 'instances-query.json',
    responses: { 200: 'instance-list.json', ...guarded },
    summary: 'List instances',
  },
  {
    method: 'GET',
    pattern: '/v1/instances/:idOrName',
    handler: getInstance,
    auth: true,
    query: 'empty-query.json',
    responses: { 200: 'instance-entry.json', 307: null, ...guarded, 404: E, 409: E },
    summary: 'Get an instance by id; a name or id prefix redirects to the id',
  },
  {
    method: 'POST',
    pattern: '/v1/instances/:idOrName/renew',
    handler: renewInstance,
    auth: true,
    query: 'empty-query.json',
    body: 'instance-renew-request.json',
    responses: { 200: 'instance-entry.json', ...guarded, 404: E, 409: E },
    summary: 'Renew an instance lease: it now expires ttl_seconds from now',
  },
  {
    method: 'GET',
    pattern: '/v1/states',
    handler: listStates,
    auth: true,
    query: 'states-query.json',
    responses: { 200: 'state-list.json', ...guarded },
    summary: 'List states',
  },
  {
    method: 'GET',
    pattern: '/v1/states/:stateId',
    handler: getState,
    auth: true,
    query: 'empty-query.json',
    responses: { 200: 'state-entry.json', ...guarded, 404: E, 409: E },
    summary: 'Get a state by id or unique prefix',
  },
  {
    method: 'POST',
    pattern: '/v1/prepare-jobs',
    handler: createPrepareJob,
    auth: true,
    query: 'prepare-query.json',
    body: 'prepare-request.json',
    responses: {
      201: 'job-status.json',
      202: 'prepare-accepted.json',
      ...guarded,
      409: E,
      413: E,
      503: E,
    },
    summary: 'Start a prepare (or plan) job; with wait, answer with the job once it ends',
  },
  {
    method: 'GET',
    pattern: '/v1/prepare-jobs',
    handler: listPrepareJobs,
    auth: true,
    query: 'jobs-query.json',
    responses: { 200: 'job-list.json', ...guarded },
    summary: 'List jobs in memory',
  },
  {
    method: 'GET',
    pattern: '/v1/prepare-jobs/:jobId',
    handler: getPrepareJob,
    auth: true,
    query: 'empty-query.json',
    responses: { 200: 'job-status.json', ...guarded, 404: E },
    summary: 'Job status, plan, result or error',
  },
  {
    method: 'GET',
    pattern: '/v1/prepare-jobs/:jobId/events',
    handler: streamJobEvents,
    auth: true,
    query: 'events-query.json',
    responses: { 200: 'job-event.json', ...guarded, 404: E },
    summary: 'NDJSON stream of job events until the terminal event',
  },
  {
    method: 'GET',
    pattern: '/v1/tasks',
    handler: listTasks,
    auth: true,
    query: 'jobs-query.json',
    responses: { 200: 'task-list.json', ...guarded },
    summary: 'List tasks of jobs in memory',
  },
  {
    method: 'DELETE',
    pattern: '/v1/prepare-jobs/:jobId',
    handler: deletePrepareJob,
    auth: true,
    query: 'delete-query.json',
    responses: { 200: 'delete-result.json', ...guarded, 404: E, 409: 'delete-result.json' },
    summary: 'Forget a finished job; a running one is blocked unless forced (cancels it)',
  },
  {
    method: 'POST',
    pattern: '/v1/prepare-jobs/:jobId/cancel',
    handler: cancelPrepareJob,
    auth: true,
    query: 'empty-query.json',
    responses: { 200: 'job-status.json', 202: 'job-status.json', ...guarded, 404: E },
    summary: 'Cancel a queued or running job',
  },
  {
    method: 'DELETE',
    pattern: '/v1/instances/:instanceId',
    handler: deleteInstance,
    auth: true,
    query: 'delete-query.json',
    responses: { 200: 'delete-result.json', ...guarded, 404: E, 409: 'delete-result.json' },
    summary: 'Drop an instance; blocked by open sessions unless forced',
  },
  {
    method: 'DELETE',
    pattern: '/v1/states/:stateId',
    handler: deleteState,
    auth: true,
    query: 'state-delete-query.json',
    responses: { 200: 'delete-result.json', ...guarded, 404: E, 409: 'delete-result.json' },
    summary: 'Drop a state, or with recurse its whole subtree',
  },
  {
    method: 'GET',
    pattern: '/v1/cache',
    handler: getCache,
    auth: true,
    query: 'empty-query.json',
    responses: { 200: 'cache-status.json', ...guarded },
    summary: 'Cache usage per server against its budget, and the last eviction',
  },
  {
    method: 'POST',
    pattern: '/v1/cache/evict',
    handler: evictCache,
    auth: true,
    query: 'cache-evict-query.json',
    responses: { 200: 'cache-evicted.json', ...guarded },
    summary: 'Run an eviction pass now (dry_run: only say what would go)',
  },
];
