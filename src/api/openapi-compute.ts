/**
 * Volunteer computing's part of the OpenAPI document (issue 14): the /api/v1/compute routes of
 * src/api/compute-routes.ts. openapi.ts passes its helpers in, so this file adds paths and schemas
 * without a second copy of them.
 */

type Json = Record<string, unknown>;

export interface OpenApiHelpers {
  ref: (name: string) => Json;
  json: (schema: Json, example?: unknown) => Json;
  ok: (description: string, schema: Json, example?: unknown) => Json;
  errors: (...codes: Array<400 | 401 | 403 | 404 | 409 | 410 | 413 | 429>) => Json;
  param: (name: string) => Json;
  bearer: Json[];
}

export const computeTag = { name: 'Compute', description: 'Run training units of the challenges\' baselines, and (organizers) search their hyperparameters' };

const exampleHost = { id: 3, key: 'k3f9a0b1c2d4', platform: 'Linux x86_64', backend: 'wasm', results: 12, validResults: 11, invalidResults: 0, errorResults: 1, errorRate: 0.083, invalidRate: 0, inProgressLimit: 4, credit: 0.42, lastSeenAt: '2026-11-30T12:00:00.000Z' };
const exampleUnit = {
  resultId: 81, unitId: 17, searchId: 2, challenge: 'xray-sources', dataUrl: '/challenges/xray-sources/compute/data', configuration: 3,
  model: { hidden: [256, 128], dropout: 0.3, batch_norm: true, learning_rate: 0.001, l2: 0, batch_size: 64, max_epochs: 80, patience: 10, folds: 5, monitor: 'loss', seed: 42, class_weight: 'sqrt' },
  fold: 1, folds: 5, validationRows: 372, outputs: 4, estimatedFlops: 9.1e10, sentAt: '2026-11-30T12:00:00.000Z', deadline: '2026-11-30T13:00:00.000Z',
};
const exampleConfiguration = {
  configuration: 3, model: exampleUnit.model, isDefault: false, validatedFolds: 5, folds: 5, complete: true, meanFoldMetric: 0.6921,
  outOfFold: { metric: 'macro_f1', score: 0.6874, chosenFraction: null }, outOfFoldMetric: 0.6874, outOfFoldError: null, rank: 1, units: { done: 5, pending: 0, failed: 0 },
};

export function computePaths(h: OpenApiHelpers) {
  const { ref, json, ok, errors, param, bearer } = h;
  const tags = [computeTag.name];
  return {
    '/api/v1/compute/work': {
      post: {
        tags, operationId: 'requestComputeWork', summary: 'Ask for a work unit for this host',
        description: 'The scheduler first frees replicas past their deadline, then sends one unit this volunteer never held, of a running search (of `challenge` if given). `unit` is null with a `reason` when none fits or the host holds its limit of units (fewer for a host with many invalid or failed results).',
        security: bearer,
        requestBody: { required: true, content: json(ref('ComputeWorkRequest'), { host: { key: 'k3f9a0b1c2d4', platform: 'Linux x86_64', backend: 'wasm' }, challenge: 'xray-sources' }) },
        responses: { '200': ok('A unit, or null and why', ref('ComputeWorkResponse'), { unit: exampleUnit, host: exampleHost, reason: null }), ...errors(400, 401, 404, 429) },
      },
    },
    '/api/v1/compute/results/{id}': {
      post: {
        tags, operationId: 'reportComputeResult', summary: 'Report a unit\'s result, or its error',
        description: 'A result is `metric`, `predictions` (base64 of little-endian float32: the fold\'s rows in train.csv order × `outputs`, each in [0, 1]) and `weightsHash`; or `{ "error": "…" }`. One result alone stays `pending_validation`; once two volunteers agree within the tolerance, the unit is valid and each agreeing result earns its credit; a disagreeing one is `invalid`. Bodies over 100 kB go as `application/vnd.sift.compute-result+json` (up to 24 MB).',
        security: bearer,
        parameters: [param('resultId')],
        requestBody: { required: true, content: json(ref('ComputeResultRequest'), { metric: 0.6931, predictions: 'AACAPwAAAAA=', weightsHash: 'ab'.repeat(32) }) },
        responses: { '200': ok('The result\'s state and credit', ref('ComputeReportResponse'), { resultId: 81, state: 'valid', credit: 0.21 }), ...errors(400, 401, 404, 409, 429) },
      },
    },
    '/api/v1/compute/units': {
      get: {
        tags, operationId: 'listMyComputeUnits', summary: 'Your results, newest first, with your credit',
        security: bearer,
        responses: { '200': ok('Credit total and recent average, and your units', ref('ComputeUnitsResponse'), { credit: { total: 4.2, rac: 0.9 }, units: [{ resultId: 81, unitId: 17, challenge: 'xray-sources', searchId: 2, configuration: 3, fold: 1, hostId: 3, status: 'valid', sentAt: '2026-11-30T12:00:00.000Z', deadline: '2026-11-30T13:00:00.000Z', reportedAt: '2026-11-30T12:04:00.000Z', credit: 0.21 }] }), ...errors(401, 429) },
      },
    },
    '/api/v1/compute/hosts': {
      get: {
        tags, operationId: 'listMyComputeHosts', summary: 'Your hosts and their records',
        security: bearer,
        responses: { '200': ok('Your hosts', ref('ComputeHostsResponse'), { hosts: [exampleHost] }), ...errors(401, 429) },
      },
    },
    '/api/v1/challenges/{slug}/compute/data': {
      get: {
        tags, operationId: 'getComputeData', summary: 'The training rows a unit trains on, preprocessed',
        description: 'train.csv after the baseline\'s preprocessing: features, class per row, event weight and fold, as base64 typed arrays, gzipped when asked, with a strong `ETag` (304 to `If-None-Match`). Never a test row or the solution.',
        security: bearer,
        parameters: [param('slug')],
        responses: { '200': ok('The training-data document (arrays abridged here)', ref('ComputeData'), { format: 1, challenge: 'xray-sources', task: 'multiclass', classes: ['AGN', 'CV', 'STAR', 'YSO'], positiveClass: null, features: ['significance', 'hard_hm'], rows: 2, outputs: 4, folds: 5, x: 'AACAPwAAAEAAAEBAAACAQA==', label: 'AAI=', weight: null, fold: 'AAM=' }), '304': { description: 'Not modified' }, ...errors(401, 404, 409, 429) },
      },
    },
    '/api/v1/challenges/{slug}/compute/searches': {
      get: {
        tags, operationId: 'listComputeSearches', summary: 'The challenge\'s searches (organizers)',
        security: bearer,
        parameters: [param('slug')],
        responses: { '200': ok('Its searches, newest first', ref('ComputeSearchList'), { searches: [{ id: 2, state: 'running', folds: 5, createdAt: '2026-11-30T11:00:00.000Z' }] }), ...errors(401, 403, 404, 429) },
      },
      post: {
        tags, operationId: 'startComputeSearch', summary: 'Start a search from the search: section of baseline.yaml (organizers)',
        description: 'Every configuration × every fold becomes a unit. 409 `no_search_space` without a `search:` section, `search_running` while another search of the challenge runs.',
        security: bearer,
        parameters: [param('slug')],
        responses: { '201': ok('The search and its size', ref('ComputeSearchStarted'), { search: { id: 2, state: 'running' }, configurations: 6, units: 30 }), ...errors(401, 403, 404, 409, 429) },
      },
    },
    '/api/v1/challenges/{slug}/compute/searches/{id}': {
      get: {
        tags, operationId: 'getComputeSearch', summary: 'A search: configurations ranked by validated out-of-fold metric, units, contributors (organizers)',
        description: 'A configuration\'s out-of-fold metric is that of all its folds\' canonical predictions scored together over train.csv, as the baseline scores its own (AMS at the fraction chosen within `selection:`, or macro-F1); null until every fold is validated. Test labels are never read.',
        security: bearer,
        parameters: [param('slug'), param('searchId')],
        responses: {
          '200': ok('The search', ref('ComputeSearch'), { search: { id: 2, challenge: 'xray-sources', state: 'done', folds: 5, delayBoundSeconds: 3600, createdAt: '2026-11-30T11:00:00.000Z', space: { hidden: [[128, 64, 32], [256, 128]] } }, metric: 'macro_f1', units: { total: 30, done: 30, pending: 0, failed: 0 }, configurations: [exampleConfiguration], best: exampleConfiguration, default: null, contributors: [{ name: 'Ada', validResults: 12, credit: 2.5 }], promotions: [] }),
          ...errors(400, 401, 403, 404, 409, 429),
        },
      },
    },
    '/api/v1/challenges/{slug}/compute/searches/{id}/promote': {
      post: {
        tags, operationId: 'promoteComputeConfiguration', summary: 'Train a configuration in full and submit it as the Baseline row (organizers)',
        description: 'Without `configuration`, the one with the best out-of-fold metric. Trains on the server as the baseline\'s Retrain does (follow it at `statusUrl`), then submits its test predictions as the new Baseline row; the model record notes the search and configuration. 409 `no_complete_configuration` when no configuration has every fold validated, `baseline_training_running` while a training runs.',
        security: bearer,
        parameters: [param('slug'), param('searchId')],
        requestBody: { required: false, content: json(ref('ComputePromoteRequest'), { configuration: 3 }) },
        responses: { '202': ok('The training run started', ref('ComputePromoteResponse'), { run: { id: 9, status: 'running', statusUrl: '/challenges/xray-sources/baseline/status' }, configuration: 3, outOfFold: { metric: 'macro_f1', score: 0.6874 }, model: exampleUnit.model }), ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
  };
}

export const computeParameters = {
  resultId: { name: 'id', in: 'path', required: true, description: 'The result id a unit came with (`unit.resultId`)', schema: { type: 'integer', minimum: 1 }, example: 81 },
  searchId: { name: 'id', in: 'path', required: true, description: 'The search id', schema: { type: 'integer', minimum: 1 }, example: 2 },
};

export function computeSchemas(h: Pick<OpenApiHelpers, 'ref'>) {
  const { ref } = h;
  const model = { type: 'object', description: 'A full model section of baseline.yaml', additionalProperties: true };
  const outOfFold = { type: 'object', required: ['metric', 'score'], properties: { metric: { type: 'string', enum: ['ams', 'macro_f1'] }, score: { type: 'number' }, chosenFraction: { type: 'number', nullable: true } } };
  return {
    ComputeHost: {
      type: 'object',
      required: ['id', 'key', 'platform', 'backend', 'results', 'inProgressLimit', 'credit'],
      properties: { id: { type: 'integer' }, key: { type: 'string' }, platform: { type: 'string' }, backend: { type: 'string' }, results: { type: 'integer' }, validResults: { type: 'integer' }, invalidResults: { type: 'integer' }, errorResults: { type: 'integer' }, errorRate: { type: 'number' }, invalidRate: { type: 'number' }, inProgressLimit: { type: 'integer' }, credit: { type: 'number' }, lastSeenAt: { type: 'string', format: 'date-time' } },
    },
    ComputeWorkRequest: {
      type: 'object',
      required: ['host'],
      properties: {
        host: { type: 'object', required: ['key', 'platform', 'backend'], properties: { key: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$', description: 'A random key the client keeps: one per host' }, platform: { type: 'string', maxLength: 200 }, backend: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,40}$' } } },
        challenge: { type: 'string', description: 'Only units of this challenge' },
      },
    },
    ComputeUnit: {
      type: 'object',
      required: ['resultId', 'unitId', 'searchId', 'challenge', 'dataUrl', 'configuration', 'model', 'fold', 'folds', 'validationRows', 'outputs', 'estimatedFlops', 'deadline'],
      properties: { resultId: { type: 'integer' }, unitId: { type: 'integer' }, searchId: { type: 'integer' }, challenge: { type: 'string' }, dataUrl: { type: 'string' }, configuration: { type: 'integer' }, model, fold: { type: 'integer' }, folds: { type: 'integer' }, validationRows: { type: 'integer' }, outputs: { type: 'integer' }, estimatedFlops: { type: 'number' }, sentAt: { type: 'string', format: 'date-time' }, deadline: { type: 'string', format: 'date-time' } },
    },
    ComputeWorkResponse: { type: 'object', required: ['unit', 'host', 'reason'], properties: { unit: { allOf: [ref('ComputeUnit')], nullable: true }, host: ref('ComputeHost'), reason: { type: 'string', nullable: true } } },
    ComputeResultRequest: {
      type: 'object',
      description: 'A result, or `{ "error": "…" }` for a unit that could not run',
      properties: { metric: { type: 'number' }, predictions: { type: 'string', format: 'byte' }, weightsHash: { type: 'string', pattern: '^[0-9a-f]{64}$' }, error: { type: 'string', maxLength: 2000 } },
    },
    ComputeReportResponse: { type: 'object', required: ['resultId', 'state', 'credit'], properties: { resultId: { type: 'integer' }, state: { type: 'string', enum: ['in_progress', 'pending_validation', 'valid', 'invalid', 'error', 'timed_out'] }, credit: { type: 'number' } } },
    ComputeUnitsResponse: {
      type: 'object',
      required: ['credit', 'units'],
      properties: {
        credit: { type: 'object', required: ['total', 'rac'], properties: { total: { type: 'number' }, rac: { type: 'number', description: 'Recent average credit per day (one-week half-life)' } } },
        units: { type: 'array', items: { type: 'object', required: ['resultId', 'unitId', 'status', 'credit'], properties: { resultId: { type: 'integer' }, unitId: { type: 'integer' }, challenge: { type: 'string' }, searchId: { type: 'integer' }, configuration: { type: 'integer' }, fold: { type: 'integer' }, hostId: { type: 'integer' }, status: { type: 'string' }, sentAt: { type: 'string', format: 'date-time' }, deadline: { type: 'string', format: 'date-time' }, reportedAt: { type: 'string', format: 'date-time', nullable: true }, credit: { type: 'number' } } } },
      },
    },
    ComputeHostsResponse: { type: 'object', required: ['hosts'], properties: { hosts: { type: 'array', items: ref('ComputeHost') } } },
    ComputeData: {
      type: 'object',
      required: ['format', 'challenge', 'task', 'classes', 'features', 'rows', 'outputs', 'folds', 'x', 'label', 'fold'],
      properties: { format: { type: 'integer', enum: [1] }, challenge: { type: 'string' }, task: { type: 'string', enum: ['ams', 'multiclass'] }, classes: { type: 'array', items: { type: 'string' } }, positiveClass: { type: 'string', nullable: true }, features: { type: 'array', items: { type: 'string' } }, rows: { type: 'integer' }, outputs: { type: 'integer' }, folds: { type: 'integer' }, x: { type: 'string', format: 'byte', description: 'rows × features float32' }, label: { type: 'string', format: 'byte', description: 'uint8 class per row' }, weight: { type: 'string', format: 'byte', nullable: true }, fold: { type: 'string', format: 'byte', description: 'uint8 fold per row' } },
    },
    ComputeSearchList: { type: 'object', required: ['searches'], properties: { searches: { type: 'array', items: { type: 'object', required: ['id', 'state', 'folds', 'createdAt'], properties: { id: { type: 'integer' }, state: { type: 'string', enum: ['running', 'done'] }, folds: { type: 'integer' }, createdAt: { type: 'string', format: 'date-time' } } } } } },
    ComputeSearchStarted: { type: 'object', required: ['search', 'configurations', 'units'], properties: { search: { type: 'object', required: ['id', 'state'], properties: { id: { type: 'integer' }, state: { type: 'string' } } }, configurations: { type: 'integer' }, units: { type: 'integer' } } },
    ComputeConfiguration: {
      type: 'object',
      required: ['configuration', 'model', 'isDefault', 'validatedFolds', 'folds', 'complete', 'meanFoldMetric', 'outOfFold', 'outOfFoldMetric', 'rank', 'units'],
      properties: {
        configuration: { type: 'integer' }, model, isDefault: { type: 'boolean', description: 'baseline.yaml\'s own model section' }, validatedFolds: { type: 'integer' }, folds: { type: 'integer' }, complete: { type: 'boolean' },
        meanFoldMetric: { type: 'number', nullable: true, description: 'Mean of the validated folds\' own metrics' },
        outOfFold: { ...outOfFold, nullable: true }, outOfFoldMetric: { type: 'number', nullable: true }, outOfFoldError: { type: 'string', nullable: true },
        rank: { type: 'integer', nullable: true, description: '1 = best out-of-fold metric' },
        units: { type: 'object', properties: { done: { type: 'integer' }, pending: { type: 'integer' }, failed: { type: 'integer' } } },
      },
    },
    ComputeSearch: {
      type: 'object',
      required: ['search', 'metric', 'units', 'configurations', 'best', 'default', 'contributors', 'promotions'],
      properties: {
        search: { type: 'object', required: ['id', 'challenge', 'state', 'folds'], properties: { id: { type: 'integer' }, challenge: { type: 'string' }, state: { type: 'string', enum: ['running', 'done'] }, folds: { type: 'integer' }, delayBoundSeconds: { type: 'integer' }, createdAt: { type: 'string', format: 'date-time' }, space: { type: 'object', additionalProperties: true } } },
        metric: { type: 'string', enum: ['ams', 'macro_f1'] },
        units: { type: 'object', required: ['total', 'done', 'pending', 'failed'], properties: { total: { type: 'integer' }, done: { type: 'integer' }, pending: { type: 'integer' }, failed: { type: 'integer' } } },
        configurations: { type: 'array', items: ref('ComputeConfiguration') },
        best: { allOf: [ref('ComputeConfiguration')], nullable: true },
        default: { allOf: [ref('ComputeConfiguration')], nullable: true },
        contributors: { type: 'array', items: { type: 'object', required: ['name', 'validResults', 'credit'], properties: { name: { type: 'string' }, validResults: { type: 'integer' }, credit: { type: 'number' } } } },
        promotions: { type: 'array', items: { type: 'object', required: ['id', 'status'], properties: { id: { type: 'integer' }, status: { type: 'string', enum: ['running', 'done', 'failed'] }, compute_configuration: { type: 'integer', nullable: true }, validation_score: { type: 'number', nullable: true }, submission_id: { type: 'integer', nullable: true }, error: { type: 'string', nullable: true }, started_at: { type: 'string', format: 'date-time' }, finished_at: { type: 'string', format: 'date-time', nullable: true } } } },
      },
    },
    ComputePromoteRequest: { type: 'object', properties: { configuration: { type: 'integer', minimum: 0, description: 'A complete configuration; default the best' } } },
    ComputePromoteResponse: { type: 'object', required: ['run', 'configuration', 'outOfFold', 'model'], properties: { run: { type: 'object', required: ['id', 'status', 'statusUrl'], properties: { id: { type: 'integer' }, status: { type: 'string' }, statusUrl: { type: 'string' } } }, configuration: { type: 'integer' }, outOfFold, model } },
  };
}
