/**
 * The OpenAPI 3.0 description of Sift's token API, written by hand. /api/openapi.json serves it
 * and /api/docs renders it; test/openapi.test.ts checks it is well formed and matches the routes.
 */

import { panelNames } from '../crowd/compare/panels.js';
import { MAX_PER_PAGE } from '../leaderboards/http.js';
import { computeParameters, computePaths, computeSchemas, computeTag } from './openapi-compute.js';

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, example?: unknown) => ({ 'application/json': { schema, ...(example === undefined ? {} : { example }) } });
const ok = (description: string, schema: Json, example?: unknown) => ({ description, content: json(schema, example) });
const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
/** The shared error response of each status code (the submit endpoint's 429 has its own, `TooMany`). */
const ERROR_RESPONSES = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 410: 'Gone', 413: 'TooLarge', 429: 'RateLimited' } as const;
const errors = (...codes: Array<keyof typeof ERROR_RESPONSES>) => Object.fromEntries(codes.map((c) => [String(c), errorRef(ERROR_RESPONSES[c])]));
const param = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const bearer = [{ bearerAuth: [] }];
/** Public reads: a token is optional (it adds the caller's quota, or organizer access). */
const optionalBearer = [{}, { bearerAuth: [] }];

const exampleChallenge = {
  slug: 'higgsml',
  title: 'HiggsML: find the H→ττ signal',
  metric: 'ams',
  metricName: 'AMS',
  higherIsBetter: true,
  format: { kind: 'higgsml', idColumn: 'EventId' },
  classes: ['b', 's'],
  opensAt: '2024-01-01T00:00:00.000Z',
  closesAt: '2030-01-01T00:00:00.000Z',
  phase: 'open',
  dailyLimit: 5,
  finalSelections: 2,
  privateLeaderboardVisible: false,
  downloads: ['/challenges/higgsml/data/train.csv.gz', '/challenges/higgsml/data/test.csv.gz', '/challenges/higgsml/data/sample_submission.csv.gz'],
};
const exampleDataFile = {
  name: 'train.csv.gz',
  role: 'train',
  sizeBytes: 607872,
  sha256: '3f0c5d1e9a7b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d',
  url: '/api/v1/challenges/higgsml/data/train.csv.gz',
};
const exampleQuota = { limit: 5, used: 1, left: 4, nextSlotAt: '2025-03-01T12:00:00.000Z' };
const exampleSubmission = {
  id: 42,
  status: 'scored',
  fileName: 'predictions.csv.gz',
  rows: 11889,
  message: 'simple window',
  error: null,
  warnings: [],
  publicScore: 1.5905,
  publicHidden: false,
  privateScore: null,
  details: null,
  scorerVersion: 'ams@1',
  selected: false,
  isBaseline: false,
  late: false,
  createdAt: '2025-03-01T12:00:00.000Z',
  scoredAt: '2025-03-01T12:00:01.000Z',
};
const exampleTeam = {
  id: 3,
  challengeId: 1,
  name: 'Ridge Runners',
  createdBy: 7,
  createdAt: '2025-03-01T12:00:00.000Z',
  members: [{ id: 7, name: 'Ada' }, { id: 9, name: 'Bob' }],
  submissions: 4,
};
const exampleRejected = {
  error: {
    code: 'invalid_submission',
    message: 'The file has 2 problems; nothing was stored.',
    errors: [
      { line: 1, column: 'Class', value: null, code: 'missing_column', message: "Line 1: the header has no 'Class' column." },
      { line: 3, column: 'RankOrder', value: 'x', code: 'not_integer', message: "Line 3, column RankOrder: 'x' is not a whole number." },
    ],
    totalErrors: 2,
    warnings: [],
  },
};

export const openApiDocument = {
  openapi: '3.0.3',
  info: {
    title: 'Sift API',
    version: '1.0.0',
    description:
      'JSON API of Sift: list challenges, submit predictions, follow their scoring, check the daily quota and read leaderboards.\n\n' +
      'Authenticate with a personal API token from your profile page: `Authorization: Bearer <token>`. Public reads work without one. ' +
      'Errors are JSON `{ "error": { "code", "message", ... } }` with a stable `code`. Requests are rate-limited per token (429 `rate_limited`).',
  },
  servers: [{ url: '/', description: 'This Sift server' }],
  tags: [
    { name: 'Account', description: 'Who a token belongs to' },
    { name: 'Challenges', description: 'Challenges and daily quota' },
    { name: 'Submissions', description: 'Upload predictions and follow their scoring' },
    { name: 'Leaderboards', description: 'Public and private leaderboards' },
    { name: 'Teams', description: 'Teams: create, invite, accept, leave, merge (Kaggle rules)' },
    { name: 'Crowd', description: 'Crowd versus ML: the comparison page\'s panels' },
    computeTag,
    { name: 'Documentation', description: 'This reference, as a page and as an OpenAPI document' },
  ],
  paths: {
    '/api/v1/me': {
      get: {
        tags: ['Account'],
        operationId: 'getMe',
        summary: 'The user the token belongs to',
        security: bearer,
        responses: {
          '200': ok('The user and the token id', ref('MeResponse'), { user: { id: 7, email: 'ada@example.org', name: 'Ada', role: 'participant', created_at: '2025-01-01T00:00:00.000Z' }, tokenId: 3 }),
          ...errors(401, 429),
        },
      },
    },
    '/api/v1/challenges': {
      get: {
        tags: ['Challenges'],
        operationId: 'listChallenges',
        summary: 'Published and closed challenges',
        security: optionalBearer,
        responses: {
          '200': ok('Every challenge that is not a draft', ref('ChallengeList'), { challenges: [exampleChallenge] }),
          ...errors(401, 429),
        },
      },
    },
    '/api/v1/challenges/{slug}': {
      get: {
        tags: ['Challenges'],
        operationId: 'getChallenge',
        summary: 'One challenge, with your quota when a token is sent',
        security: optionalBearer,
        parameters: [param('slug')],
        responses: {
          '200': ok('The challenge; `quota` is null without a token', ref('ChallengeResponse'), { challenge: exampleChallenge, quota: exampleQuota }),
          ...errors(400, 401, 404, 429),
        },
      },
    },
    '/api/v1/challenges/{slug}/quota': {
      get: {
        tags: ['Challenges'],
        operationId: 'getQuota',
        summary: 'Submissions left today and when the next slot frees',
        description: 'The daily limit counts per UTC day. `nextSlotAt` is now when a slot is left, otherwise the next UTC midnight.',
        security: bearer,
        parameters: [param('slug')],
        responses: {
          '200': ok('Your quota', ref('QuotaResponse'), { quota: exampleQuota }),
          ...errors(400, 401, 404, 429),
        },
      },
    },
    '/api/v1/challenges/{slug}/data': {
      get: {
        tags: ['Challenges'],
        operationId: 'listDataFiles',
        summary: "The challenge's public data files, with sizes and sha256",
        description:
          'The training file (with labels), the test file (without) and the sample submission, when there is one: the same files as the overview\'s download links, for whoever can see the challenge. ' +
          'Never the solution. `sha256` is of the bytes as served (of the gzip for a `.csv.gz`): check your copy against it. `sift download <challenge>` fetches them all and does the check.',
        security: optionalBearer,
        parameters: [param('slug')],
        responses: {
          '200': ok('The files', ref('DataFileList'), { files: [exampleDataFile] }),
          ...errors(400, 401, 404, 429),
        },
      },
    },
    '/api/v1/challenges/{slug}/data/{file}': {
      get: {
        tags: ['Challenges'],
        operationId: 'downloadDataFile',
        summary: 'Download one public data file',
        description: "The file's bytes as stored, as an attachment (`Content-Disposition`). A name that is not one of the listed files, the solution included, is 404 `unknown_file` with `available`, the names that are.",
        security: optionalBearer,
        parameters: [param('slug'), param('dataFile')],
        responses: {
          '200': { description: 'The file', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
          ...errors(400, 401, 404, 429),
        },
      },
    },
    '/api/v1/challenges/{slug}/submissions': {
      get: {
        tags: ['Submissions'],
        operationId: 'listMySubmissions',
        summary: 'Your submissions to a challenge, newest first',
        security: bearer,
        parameters: [param('slug')],
        responses: {
          '200': ok('Your submissions and quota', ref('SubmissionList'), { submissions: [exampleSubmission], quota: exampleQuota }),
          ...errors(400, 401, 404, 429),
        },
      },
      post: {
        tags: ['Submissions'],
        operationId: 'submit',
        summary: 'Upload a prediction file',
        description:
          'The file (`.csv` or `.csv.gz`) is validated at once: a file with any problem is rejected with 422 and every problem listed (first 100), ' +
          'is not stored and takes no daily slot. A valid file takes one slot and is queued for scoring (202); poll its status. ' +
          'Send an `Idempotency-Key` to retry safely: the same key with the same file within 24 hours returns the first submission (200, `Idempotent-Replayed: true`) and takes no slot; ' +
          'with a different file it is refused (422 `idempotency_key_reused`). ' +
          'Per user, at most `UPLOADS_IN_FLIGHT_PER_USER` uploads at once (per server process) and `REJECTED_UPLOADS_PER_HOUR` rejected files an hour (both server settings) are accepted; past either, 429 with `Retry-After`.',
        security: bearer,
        parameters: [
          param('slug'),
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description: 'A key of your choice per file (a UUID fits): 8 to 128 letters, digits and `_ . : -`. A retry with the same key and file returns the first submission.',
            schema: { type: 'string', minLength: 8, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' },
          },
        ],
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['file'],
                properties: {
                  file: { type: 'string', format: 'binary', description: 'The predictions, .csv or .csv.gz' },
                  message: { type: 'string', maxLength: 500, description: 'A note shown beside the submission' },
                },
              },
            },
          },
        },
        responses: {
          '200': {
            description: 'A retry with an Idempotency-Key already used with this file: the first submission, unchanged',
            headers: { 'Idempotent-Replayed': { description: '`true`', schema: { type: 'string' } } },
            content: json(ref('SubmitResponse'), { submission: { ...exampleSubmission, status: 'queued', publicScore: null, details: null, scorerVersion: null, scoredAt: null }, quota: exampleQuota }),
          },
          '202': {
            description: 'Accepted and queued for scoring',
            headers: { Location: { description: 'The submission status URL', schema: { type: 'string' } } },
            content: json(ref('SubmitResponse'), { submission: { ...exampleSubmission, status: 'queued', publicScore: null, details: null, scorerVersion: null, scoredAt: null }, quota: exampleQuota }),
          },
          ...errors(400, 401, 403, 404, 413),
          '422': {
            description: 'The file was rejected (`invalid_submission`), or the Idempotency-Key was used with another file (`idempotency_key_reused`); nothing was stored',
            content: json(ref('RejectedSubmission'), exampleRejected),
          },
          '429': errorRef('TooMany'),
        },
      },
    },
    '/api/v1/challenges/{slug}/submissions/{id}': {
      get: {
        tags: ['Submissions'],
        operationId: 'getSubmission',
        summary: 'Status, scores and errors of one of your submissions',
        description:
          "Poll until `status` is `scored` or `failed` (then `error` says why, without any score). Private scores and the score details stay null until the private board is revealed. The challenge's organizers may read any of its submissions, with every detail.",
        security: bearer,
        parameters: [param('slug'), param('submissionId')],
        responses: {
          '200': ok('The submission', ref('SubmissionResponse'), { submission: exampleSubmission }),
          ...errors(400, 401, 404, 429),
        },
      },
    },
    '/api/v1/challenges/{slug}/submissions/{id}/selection': {
      put: {
        tags: ['Submissions'],
        operationId: 'selectSubmission',
        summary: 'Select or unselect a scored submission for the private leaderboard',
        security: bearer,
        parameters: [param('slug'), param('submissionId')],
        requestBody: { required: true, content: json(ref('SelectionRequest'), { selected: true }) },
        responses: {
          '200': ok('The updated submission', ref('SubmissionResponse'), { submission: { ...exampleSubmission, selected: true } }),
          ...errors(400, 401, 403, 404, 409, 429),
        },
      },
    },
    '/api/v1/challenges/{slug}/leaderboard': {
      get: {
        tags: ['Leaderboards'],
        operationId: 'getPublicLeaderboard',
        summary: 'The public leaderboard',
        description:
          "Each entrant's best public score; ties go to the earlier submission. Baseline rows are unranked (rank null). " +
          'Every row by default; `page` and `per_page` return one page of them (`total` counts all). ' +
          'The response has a strong `ETag`: send it back in `If-None-Match` to get `304 Not Modified` while the board is unchanged.',
        security: optionalBearer,
        parameters: [param('slug'), param('boardPage'), param('boardPerPage'), param('ifNoneMatch')],
        responses: {
          '200': ok('The board', ref('Leaderboard'), {
            board: 'public',
            revealed: false,
            frozenAt: null,
            rows: [{ rank: 1, submissionId: 42, userId: 7, name: 'Ridge Runners', teamId: 3, members: ['Ada', 'Bob'], score: 1.5905, entries: 3, createdAt: '2025-03-01T12:00:00.000Z', isBaseline: false, rankChange: null }],
            total: 1,
          }),
          '304': { description: 'Not modified: the board is the one whose `ETag` was sent in `If-None-Match` (no body)' },
          ...errors(400, 401, 404, 429),
        },
      },
    },
    '/api/v1/challenges/{slug}/leaderboard/private': {
      get: {
        tags: ['Leaderboards'],
        operationId: 'getPrivateLeaderboard',
        summary: 'The private leaderboard (after close, or for organizers)',
        description:
          "Hidden (403 `private_hidden`) until the challenge closes, except to the challenge's organizers and admins. Each entrant's selected final submissions count; with none selected, their best public ones do. " +
          'Paged and conditional (`ETag`, `If-None-Match`, 304) as the public board.',
        security: optionalBearer,
        parameters: [param('slug'), param('boardPage'), param('boardPerPage'), param('ifNoneMatch')],
        responses: {
          '200': ok('The board, with the rank change from the public one', ref('Leaderboard'), {
            board: 'private',
            revealed: true,
            frozenAt: null,
            rows: [
              { rank: 1, submissionId: 57, userId: 9, name: 'Bob', teamId: null, members: [], score: 3.6418, entries: 11, createdAt: '2025-03-04T08:30:00.000Z', isBaseline: false, rankChange: 1 },
              { rank: 2, submissionId: 42, userId: 7, name: 'Ridge Runners', teamId: 3, members: ['Ada', 'Bob'], score: 3.5902, entries: 3, createdAt: '2025-03-01T12:00:00.000Z', isBaseline: false, rankChange: -1 },
            ],
            total: 2,
          }),
          '304': { description: 'Not modified: the board is the one whose `ETag` was sent in `If-None-Match` (no body)' },
          ...errors(400, 401, 403, 404, 429),
        },
      },
    },
    '/api/v1/challenges/{slug}/teams': {
      get: {
        tags: ['Teams'],
        operationId: 'listTeams',
        summary: 'The teams of a challenge, with their members',
        security: optionalBearer,
        parameters: [param('slug')],
        responses: {
          '200': ok('Every team', ref('TeamList'), { teams: [{ id: 3, name: 'Ridge Runners', members: ['Ada', 'Bob'] }] }),
          ...errors(400, 401, 404, 429),
        },
      },
    },
    '/api/v1/challenges/{slug}/team': {
      get: {
        tags: ['Teams'],
        operationId: 'getMyTeam',
        summary: 'Your team in a challenge (null when you compete alone) and its pending merge requests',
        security: bearer,
        parameters: [param('slug')],
        responses: {
          '200': ok('Your team', ref('MyTeamResponse'), { team: exampleTeam, mergeRequests: [], teamSize: 3, mergeDeadline: '2029-12-25T00:00:00.000Z', invites: { open: true, reason: null } }),
          ...errors(400, 401, 404, 429),
        },
      },
      post: {
        tags: ['Teams'],
        operationId: 'createTeam',
        summary: 'Create a team with you as its first member',
        description: 'Your earlier submissions and today\'s quota use move to the team. One team per user per challenge.',
        security: bearer,
        parameters: [param('slug')],
        requestBody: { required: true, content: json(ref('CreateTeamRequest'), { name: 'Ridge Runners' }) },
        responses: {
          '201': ok('The new team', ref('TeamResponse'), { team: exampleTeam }),
          ...errors(400, 401, 403, 404, 409, 429),
        },
      },
    },
    '/api/v1/challenges/{slug}/team/invites': {
      post: {
        tags: ['Teams'],
        operationId: 'createInvite',
        summary: 'Create an invitation token for your team (members only)',
        description: 'Give the token to the person you invite; they accept it with `POST /api/v1/invites/{token}/accept`. It is shown once.',
        security: bearer,
        parameters: [param('slug')],
        responses: {
          '201': ok('The invitation', ref('Invite'), { token: 'q3Zb…', expiresAt: '2025-03-08T12:00:00.000Z', acceptPath: '/api/v1/invites/q3Zb…/accept' }),
          ...errors(400, 401, 403, 404, 409, 429),
        },
      },
    },
    '/api/v1/challenges/{slug}/team/leave': {
      post: {
        tags: ['Teams'],
        operationId: 'leaveTeam',
        summary: 'Leave your team (not once you have submitted for it)',
        security: bearer,
        parameters: [param('slug')],
        responses: {
          '200': ok('You left; `team` is null', ref('LeaveResponse'), { team: null }),
          ...errors(400, 401, 403, 404, 409, 429),
        },
      },
    },
    '/api/v1/challenges/{slug}/team/merges': {
      post: {
        tags: ['Teams'],
        operationId: 'mergeTeams',
        summary: 'Ask for, or agree to, merging one team into another',
        description:
          'Both sides must agree: the first call by a member of either team records a request (`requested`); the same call by a member of the other team merges (`merged`). ' +
          'Allowed only before the merge deadline, within the team size, and when the combined submission count is at most the daily limit × days elapsed (409 `merge_not_allowed`).',
        security: bearer,
        parameters: [param('slug')],
        requestBody: { required: true, content: json(ref('MergeRequest'), { fromTeamId: 4, intoTeamId: 3 }) },
        responses: {
          '200': ok('The request was recorded, or the teams merged', ref('MergeResponse'), { status: 'requested', team: exampleTeam }),
          ...errors(400, 401, 403, 404, 409, 429),
        },
      },
    },
    '/api/v1/challenges/{slug}/team/merges/cancel': {
      post: {
        tags: ['Teams'],
        operationId: 'cancelMerge',
        summary: 'Withdraw a merge request your team made, before the other team agrees',
        description:
          'Only members of the team that asked may withdraw it (403 `not_a_member`); 404 `merge_request_not_found` when no such request is pending. ' +
          'Once withdrawn, the same merge call by the other team records a new request instead of merging.',
        security: bearer,
        parameters: [param('slug')],
        requestBody: { required: true, content: json(ref('MergeRequest'), { fromTeamId: 4, intoTeamId: 3 }) },
        responses: {
          '200': ok('The request was withdrawn; `team` is your team', ref('CancelMergeResponse'), { status: 'cancelled', team: exampleTeam }),
          ...errors(400, 401, 403, 404, 429),
        },
      },
    },
    '/api/v1/crowd/{slug}/compare/{panel}': {
      get: {
        tags: ['Crowd'],
        operationId: 'getComparisonPanel',
        summary: "One panel of the crowd-versus-ML comparison page (the same data as its JSON export)",
        description:
          'Panels: `summary` (accuracy and macro-F1 per method and source, with intervals), `tables` (CLAXSON tables: rows the predicted class, columns the true class), `intervals` (95% seeded bootstrap intervals), `differences` (paired crowd − ML differences), `calibration` (reliability on known sources), `ams` (challenges scored by AMS only, else 404 `panel_not_applicable`: the crowd\'s selection, by a threshold on its posterior of the signal class chosen on known sources, scored with the AMS next to the baseline\'s and the best entry\'s on the same test events, per subset, with paired bootstrap intervals and AMS-against-fraction-selected curves), `disagreements` (crowd × ML on test rows), `methods` (the methods note). Known-source results are public. Results on the test rows (unknown sources) use the hidden solution: they are included for the challenge\'s organizers while it is open and for everyone once its private leaderboard is revealed; `disagreements` and `ams` are refused (403 `hidden_until_close`) until then.',
        security: optionalBearer,
        parameters: [param('slug'), param('comparePanel')],
        responses: {
          '200': ok('The panel', ref('ComparisonPanel'), { summary: [{ source: 'known', method: 'dawid_skene', kind: 'crowd', submissionId: null, subjects: 120, labelled: 114, abstained: 6, coverage: 0.95, accuracy: { estimate: 0.81, lo: 0.74, hi: 0.88, usable: 1000 }, macroF1: { estimate: 0.78, lo: 0.7, hi: 0.85, usable: 1000 }, missing: null }] }),
          ...errors(400, 401, 403, 404, 429),
        },
      },
    },
    '/api/v1/invites/{token}': {
      get: {
        tags: ['Teams'],
        operationId: 'getInvite',
        summary: 'The team and challenge an invitation leads to',
        security: bearer,
        parameters: [param('inviteToken')],
        responses: {
          '200': ok('The invitation', ref('InviteInfo'), { team: exampleTeam, challenge: exampleChallenge, expiresAt: '2025-03-08T12:00:00.000Z' }),
          ...errors(400, 401, 404, 410, 429),
        },
      },
    },
    '/api/v1/invites/{token}/accept': {
      post: {
        tags: ['Teams'],
        operationId: 'acceptInvite',
        summary: 'Join the team of an invitation',
        description: 'Under the merge rules; your earlier submissions move to the team. A member of a bigger team must ask for a merge instead.',
        security: bearer,
        parameters: [param('inviteToken')],
        responses: {
          '200': ok('The team you are now in', ref('TeamResponse'), { team: exampleTeam }),
          ...errors(400, 401, 404, 409, 410, 429),
        },
      },
    },
    ...computePaths({ ref, json, ok, errors, param, bearer }),
    '/api/openapi.json': {
      get: {
        tags: ['Documentation'],
        operationId: 'getOpenApi',
        summary: 'This OpenAPI 3.0 document',
        security: [{}],
        responses: { '200': ok('The document (abridged here)', { type: 'object' }, { openapi: '3.0.3', info: { title: 'Sift API', version: '1.0.0' }, paths: { '/api/v1/me': { get: { operationId: 'getMe', summary: 'The user the token belongs to' } } } }) },
      },
    },
    '/api/docs': {
      get: {
        tags: ['Documentation'],
        operationId: 'getDocs',
        summary: 'This documentation as a web page',
        security: [{}],
        responses: { '200': { description: 'An HTML page', content: { 'text/html': { schema: { type: 'string' } } } } },
      },
    },
  },
  components: {
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', description: 'A personal API token (`sift_…`) created on the profile page' },
    },
    parameters: {
      slug: { name: 'slug', in: 'path', required: true, description: 'The challenge slug, e.g. `higgsml`', schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 100 }, example: 'higgsml' },
      inviteToken: { name: 'token', in: 'path', required: true, description: 'An invitation token from `POST …/team/invites`', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]+$', minLength: 16, maxLength: 100 }, example: 'pQ3ZbX7h2Kd9LmN4rT6vWy8a' },
      comparePanel: { name: 'panel', in: 'path', required: true, description: 'A panel of the comparison page', schema: { type: 'string', enum: panelNames() }, example: 'tables' },
      dataFile: { name: 'file', in: 'path', required: true, description: 'A file name from `GET …/data`', schema: { type: 'string', maxLength: 200 }, example: 'train.csv.gz' },
      submissionId: { name: 'id', in: 'path', required: true, description: 'The submission id', schema: { type: 'integer', minimum: 1 }, example: 42 },
      boardPage: { name: 'page', in: 'query', required: false, description: 'A page of the board (1-based; 100 rows unless `per_page`). Without `page` and `per_page`, every row.', schema: { type: 'integer', minimum: 1, maximum: 1_000_000 }, example: 2 },
      boardPerPage: { name: 'per_page', in: 'query', required: false, description: 'Rows per page (1 to 1000); alone, the first page.', schema: { type: 'integer', minimum: 1, maximum: MAX_PER_PAGE }, example: 50 },
      ...computeParameters,
      ifNoneMatch: { name: 'If-None-Match', in: 'header', required: false, description: 'The `ETag` of a copy of the board you hold: 304 while it is current', schema: { type: 'string' }, example: '"1.42.Zq3x…"' },
    },
    responses: {
      BadRequest: { description: 'Invalid parameters or body (`invalid_request`, `no_file`, `bad_upload`)', content: json(ref('Error'), { error: { code: 'invalid_request', message: 'Invalid body: selected: Invalid input: expected boolean, received string', issues: [{ in: 'body', field: 'selected', message: 'Invalid input: expected boolean, received string' }] } }) },
      Unauthorized: { description: 'No token (`unauthorized`), or an unknown or revoked one (`invalid_token`)', content: json(ref('Error'), { error: { code: 'invalid_token', message: 'The API token is unknown or has been revoked. Create a new one on your profile page.' } }) },
      Forbidden: { description: 'Not allowed (`private_hidden`, `challenge_not_open`, `challenge_closed`, `not_a_member`)', content: json(ref('Error'), { error: { code: 'private_hidden', message: 'The private leaderboard is revealed when the challenge closes (2030-01-01T00:00:00.000Z).' } }) },
      NotFound: { description: 'No such challenge, data file, submission of yours, team, merge request or invitation (`not_found`, `unknown_file`, `not_in_team`, `team_not_found`, `merge_request_not_found`, `invite_not_found`)', content: json(ref('Error'), { error: { code: 'not_found', message: "No challenge 'nope'." } }) },
      Conflict: { description: 'Not in a state that allows it (`not_scored`, `too_many_selected`, `already_in_team`, `team_name_taken`, `merge_not_allowed`, `cannot_leave`, `team_locked`)', content: json(ref('Error'), { error: { code: 'already_in_team', message: 'You are already in a team in this challenge; leave it first.' } }) },
      Gone: { description: 'The invitation has expired (`invite_expired`)', content: json(ref('Error'), { error: { code: 'invite_expired', message: 'This invitation expired at 2025-03-08T12:00:00.000Z; ask the team for a new link.' } }) },
      TooLarge: { description: 'The upload is over the size limit (`file_too_large`)', content: json(ref('Error'), { error: { code: 'file_too_large', message: 'The file is larger than the 200 MB limit.' } }) },
      RateLimited: { description: 'Too many requests for this token (`rate_limited`); see Retry-After', content: json(ref('Error'), { error: { code: 'rate_limited', message: 'Too many requests: at most 300 per 60 s for each token. Retry in 12 s.', retryAfterSeconds: 12 } }) },
      TooMany: { description: 'Daily submission limit reached (`daily_limit`, with `quota`), too many requests (`rate_limited`), too many uploads at once (`too_many_uploads_in_flight`) or rejected files this hour (`too_many_rejected_uploads`); the last two send `Retry-After`', content: json(ref('Error'), { error: { code: 'daily_limit', message: 'Daily submission limit reached (5 per UTC day). The next slot frees at 2025-03-02T00:00:00.000Z.', quota: { limit: 5, used: 5, left: 0, nextSlotAt: '2025-03-02T00:00:00.000Z' } } }) },
    },
    schemas: {
      ...computeSchemas({ ref }),
      ComparisonPanel: { type: 'object', description: 'Keyed by the panel: `summary`, `tables` (with `classes`), `intervals` (with `bootstrap`), `differences`, `calibration`, `ams`, `agreement` or `methods`; figures are null where undefined', additionalProperties: true },
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string', description: 'Stable machine-readable code' },
              message: { type: 'string', description: 'A sentence for people' },
            },
            additionalProperties: true,
          },
        },
      },
      SubmissionIssue: {
        type: 'object',
        required: ['line', 'column', 'value', 'code', 'message'],
        properties: {
          line: { type: 'integer', nullable: true, description: '1-based line (the header is line 1); null for file-wide problems' },
          column: { type: 'string', nullable: true },
          value: { type: 'string', nullable: true },
          code: { type: 'string', description: 'Stable issue code, e.g. `unknown_id`, `duplicate_rank`, `invalid_class`' },
          message: { type: 'string' },
        },
      },
      RejectedSubmission: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message', 'errors', 'totalErrors'],
            properties: {
              code: { type: 'string', enum: ['invalid_submission'] },
              message: { type: 'string' },
              errors: { type: 'array', items: ref('SubmissionIssue'), description: 'The first 100 problems' },
              totalErrors: { type: 'integer' },
              warnings: { type: 'array', items: ref('SubmissionIssue') },
            },
          },
        },
      },
      User: {
        type: 'object',
        required: ['id', 'email', 'name', 'role', 'created_at'],
        properties: {
          id: { type: 'integer' },
          email: { type: 'string' },
          name: { type: 'string' },
          role: { type: 'string', enum: ['participant', 'organizer', 'admin'] },
          created_at: { type: 'string', format: 'date-time' },
        },
      },
      MeResponse: { type: 'object', required: ['user', 'tokenId'], properties: { user: ref('User'), tokenId: { type: 'integer' } } },
      Challenge: {
        type: 'object',
        required: ['slug', 'title', 'metric', 'higherIsBetter', 'format', 'classes', 'opensAt', 'closesAt', 'phase', 'dailyLimit', 'finalSelections', 'privateLeaderboardVisible', 'downloads'],
        properties: {
          slug: { type: 'string' },
          title: { type: 'string' },
          metric: { type: 'string', description: 'A scorer of scorers/, e.g. ams, macro_f1' },
          metricName: { type: 'string', description: 'The metric as people name it, e.g. AMS, macro-F1' },
          higherIsBetter: { type: 'boolean' },
          format: { type: 'object', description: 'The submission format (kind, columns)', additionalProperties: true },
          classes: { type: 'array', items: { type: 'string' } },
          opensAt: { type: 'string', format: 'date-time' },
          closesAt: { type: 'string', format: 'date-time' },
          phase: { type: 'string', enum: ['upcoming', 'open', 'closed'] },
          dailyLimit: { type: 'integer' },
          finalSelections: { type: 'integer' },
          privateLeaderboardVisible: { type: 'boolean' },
          downloads: { type: 'array', items: { type: 'string' }, description: 'Paths of the downloadable data files' },
        },
      },
      DataFile: {
        type: 'object',
        required: ['name', 'role', 'sizeBytes', 'sha256', 'url'],
        properties: {
          name: { type: 'string' },
          role: { type: 'string', enum: ['train', 'test', 'sample_submission'], description: 'Training rows with labels, test rows without, or an example upload' },
          sizeBytes: { type: 'integer' },
          sha256: { type: 'string', description: 'Of the bytes as served' },
          url: { type: 'string', description: 'Where to download it' },
        },
      },
      DataFileList: { type: 'object', required: ['files'], properties: { files: { type: 'array', items: ref('DataFile') } } },
      ChallengeList: { type: 'object', required: ['challenges'], properties: { challenges: { type: 'array', items: ref('Challenge') } } },
      Quota: {
        type: 'object',
        required: ['limit', 'used', 'left', 'nextSlotAt'],
        properties: {
          limit: { type: 'integer' },
          used: { type: 'integer' },
          left: { type: 'integer' },
          nextSlotAt: { type: 'string', format: 'date-time', description: 'Now when a slot is left, else the next UTC midnight' },
        },
      },
      QuotaResponse: { type: 'object', required: ['quota'], properties: { quota: ref('Quota') } },
      ChallengeResponse: {
        type: 'object',
        required: ['challenge', 'quota'],
        properties: { challenge: ref('Challenge'), quota: { allOf: [ref('Quota')], nullable: true } },
      },
      Submission: {
        type: 'object',
        required: ['id', 'status', 'fileName', 'rows', 'createdAt'],
        properties: {
          id: { type: 'integer' },
          status: { type: 'string', enum: ['queued', 'scoring', 'scored', 'failed'] },
          fileName: { type: 'string' },
          rows: { type: 'integer' },
          message: { type: 'string', nullable: true },
          error: { type: 'string', nullable: true, description: 'Why scoring failed' },
          warnings: { type: 'array', items: ref('SubmissionIssue') },
          publicScore: { type: 'number', nullable: true, description: 'Null until scored, and while the public board is frozen for submissions sent after the freeze' },
          publicHidden: { type: 'boolean', description: 'True when the public score is withheld because the public board was frozen before this submission' },
          privateScore: { type: 'number', nullable: true, description: "Null until the private board is revealed (shown at once to the challenge's organizers)" },
          details: { type: 'object', nullable: true, additionalProperties: true, description: "Metric details of both subsets ({ public, private }), with each subset's `confusion` matrix (rows true class, columns predicted, over `classes`) and, for AMS, `ams_curve` (sampled `[fraction, AMS]` points, the submission's `cut` and the `max`); null until the private board is revealed: before it, participants get the public score only. The challenge's organizers always get them, with `failure`, the full reason a submission could not be scored." },
          scorerVersion: { type: 'string', nullable: true },
          selected: { type: 'boolean', description: 'Selected as a final submission' },
          isBaseline: { type: 'boolean' },
          late: { type: 'boolean', description: 'Sent after the close (a late submission): scored and shown to its submitter, never ranked' },
          createdAt: { type: 'string', format: 'date-time' },
          scoredAt: { type: 'string', format: 'date-time', nullable: true },
        },
      },
      SubmissionResponse: { type: 'object', required: ['submission'], properties: { submission: ref('Submission') } },
      SubmitResponse: { type: 'object', required: ['submission', 'quota'], properties: { submission: ref('Submission'), quota: ref('Quota') } },
      SubmissionList: {
        type: 'object',
        required: ['submissions', 'quota'],
        properties: { submissions: { type: 'array', items: ref('Submission') }, quota: ref('Quota') },
      },
      SelectionRequest: { type: 'object', required: ['selected'], properties: { selected: { type: 'boolean' } } },
      LeaderboardRow: {
        type: 'object',
        required: ['rank', 'submissionId', 'userId', 'name', 'teamId', 'members', 'score', 'entries', 'createdAt', 'isBaseline', 'rankChange'],
        properties: {
          rank: { type: 'integer', nullable: true, description: 'Null for baseline reference rows' },
          submissionId: { type: 'integer' },
          userId: { type: 'integer' },
          name: { type: 'string', description: "The team's name, or the participant's when they compete alone" },
          teamId: { type: 'integer', nullable: true },
          members: { type: 'array', items: { type: 'string' }, description: 'Team members (empty for a participant alone)' },
          score: { type: 'number' },
          entries: { type: 'integer', description: 'Scored submissions of this entrant' },
          createdAt: { type: 'string', format: 'date-time' },
          isBaseline: { type: 'boolean' },
          rankChange: { type: 'integer', nullable: true, description: 'Public rank minus private rank, once revealed' },
        },
      },
      Team: {
        type: 'object',
        required: ['id', 'challengeId', 'name', 'createdBy', 'createdAt', 'members', 'submissions'],
        properties: {
          id: { type: 'integer' },
          challengeId: { type: 'integer' },
          name: { type: 'string' },
          createdBy: { type: 'integer' },
          createdAt: { type: 'string', format: 'date-time' },
          members: { type: 'array', items: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'integer' }, name: { type: 'string' } } } },
          submissions: { type: 'integer', description: "The team's submissions in this challenge" },
        },
      },
      TeamResponse: { type: 'object', required: ['team'], properties: { team: ref('Team') } },
      LeaveResponse: { type: 'object', required: ['team'], properties: { team: { type: 'object', nullable: true } } },
      TeamMergeRequest: {
        type: 'object',
        properties: {
          from_team_id: { type: 'integer' },
          into_team_id: { type: 'integer' },
          requested_by_team_id: { type: 'integer' },
          from_name: { type: 'string' },
          into_name: { type: 'string' },
          created_at: { type: 'string', format: 'date-time' },
        },
      },
      MyTeamResponse: {
        type: 'object',
        required: ['team', 'mergeRequests', 'teamSize', 'mergeDeadline', 'invites'],
        properties: {
          team: { allOf: [ref('Team')], nullable: true },
          mergeRequests: { type: 'array', items: ref('TeamMergeRequest') },
          teamSize: { type: 'integer', description: 'The most members a team may have in this challenge' },
          mergeDeadline: { type: 'string', format: 'date-time', description: 'The last moment teams may merge or take members (the merger deadline, else the close)' },
          invites: {
            type: 'object',
            nullable: true,
            description: 'Whether your team can invite someone now (null when you compete alone)',
            required: ['open', 'reason'],
            properties: { open: { type: 'boolean' }, reason: { type: 'string', nullable: true, description: 'Why not: the team is full, the merger deadline has passed, or the challenge has closed' } },
          },
        },
      },
      TeamList: {
        type: 'object',
        required: ['teams'],
        properties: {
          teams: { type: 'array', items: { type: 'object', required: ['id', 'name', 'members'], properties: { id: { type: 'integer' }, name: { type: 'string' }, members: { type: 'array', items: { type: 'string' } } } } },
        },
      },
      CreateTeamRequest: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 60 } } },
      Invite: {
        type: 'object',
        required: ['token', 'expiresAt', 'acceptPath'],
        properties: { token: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' }, acceptPath: { type: 'string' } },
      },
      InviteInfo: {
        type: 'object',
        required: ['team', 'challenge', 'expiresAt'],
        properties: { team: ref('Team'), challenge: ref('Challenge'), expiresAt: { type: 'string', format: 'date-time' } },
      },
      MergeRequest: {
        type: 'object',
        required: ['fromTeamId', 'intoTeamId'],
        properties: { fromTeamId: { type: 'integer', description: 'The team that is absorbed' }, intoTeamId: { type: 'integer', description: 'The team that remains' } },
      },
      MergeResponse: { type: 'object', required: ['status', 'team'], properties: { status: { type: 'string', enum: ['requested', 'merged'] }, team: ref('Team') } },
      CancelMergeResponse: { type: 'object', required: ['status', 'team'], properties: { status: { type: 'string', enum: ['cancelled'] }, team: ref('Team') } },
      Leaderboard: {
        type: 'object',
        required: ['board', 'revealed', 'frozenAt', 'rows', 'total'],
        properties: {
          board: { type: 'string', enum: ['public', 'private'] },
          revealed: { type: 'boolean', description: 'Whether the private board is revealed' },
          frozenAt: { type: 'string', format: 'date-time', nullable: true, description: 'When the public board was frozen: it shows submissions made up to then' },
          rows: { type: 'array', items: ref('LeaderboardRow') },
          total: { type: 'integer', description: 'Rows on the whole board (Baseline rows included)' },
          page: { type: 'integer', description: 'The page returned, when `page` or `per_page` was given' },
          perPage: { type: 'integer', description: 'Rows per page, when `page` or `per_page` was given' },
        },
      },
    },
  },
} as const;

export type OpenApiDocument = typeof openApiDocument;
