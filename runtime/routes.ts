import { health } from '../handlers/health.js';
import { getInstance } from '../handlers/instances-get.js';
import { listInstances } from '../handlers/instances-list.js';
import { getName } from '../handlers/names-get.js';
import { listNames } from '../handlers/names-list.js';
import { getState } from '../handlers/states-get.js';
import { listStates } from '../handlers/states-list.js';
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
];
