import assert from 'node:assert/strict';
import fs from 'node:fs';
import request from 'supertest';
import { openApiDocument } from '../src/api/openapi.js';
import { signUp } from '../src/accounts/service.js';
import { createApiToken } from '../src/accounts/tokens.js';
import { createTestContext, datasetFile, listRoutes, waitForTerminal, type TestContext } from './helpers.js';

type Json = Record<string, any>;
const doc = openApiDocument as unknown as Json;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

const toOpenApiPath = (p: string) => p.replace(/:(\w+)/g, '{$1}');

function resolve(node: Json): Json {
  let cur = node;
  for (let i = 0; cur && typeof cur.$ref === 'string'; i++) {
    assert.ok(i < 10, 'reference loop');
    cur = lookup(cur.$ref)!;
  }
  return cur;
}

function lookup(ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((o: any, k) => (o && typeof o === 'object' ? o[k] : undefined), doc);
}

/**
 * A focused check of a value against an OpenAPI 3.0 schema object (type, nullable, enum, required,
 * properties, items, allOf): enough to catch a response that drifted from its documented shape.
 */
function conforms(value: unknown, schemaNode: Json, where = '$'): string[] {
  const s = resolve(schemaNode);
  if (value === null) return s.nullable || (s.allOf && s.nullable) ? [] : [`${where}: null but not nullable`];
  if (s.allOf) return s.allOf.flatMap((sub: Json) => conforms(value, sub, where));
  const problems: string[] = [];
  if (s.enum && !s.enum.includes(value)) problems.push(`${where}: ${JSON.stringify(value)} not in ${s.enum.join('|')}`);
  switch (s.type) {
    case 'integer':
      if (!Number.isInteger(value)) problems.push(`${where}: ${JSON.stringify(value)} is not an integer`);
      break;
    case 'number':
      if (typeof value !== 'number') problems.push(`${where}: not a number`);
      break;
    case 'string':
      if (typeof value !== 'string') problems.push(`${where}: not a string`);
      else if (s.format === 'date-time' && Number.isNaN(Date.parse(value))) problems.push(`${where}: not a date-time`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${where}: not a boolean`);
      break;
    case 'array':
      if (!Array.isArray(value)) problems.push(`${where}: not an array`);
      else value.forEach((v, i) => problems.push(...conforms(v, s.items ?? {}, `${where}[${i}]`)));
      break;
    case 'object':
    case undefined:
      if (s.type === 'object' && (typeof value !== 'object' || Array.isArray(value))) {
        problems.push(`${where}: not an object`);
        break;
      }
      if (typeof value === 'object' && !Array.isArray(value)) {
        const v = value as Json;
        for (const r of s.required ?? []) if (!(r in v)) problems.push(`${where}: missing required '${r}'`);
        for (const [k, sub] of Object.entries((s.properties ?? {}) as Json)) if (k in v && v[k] !== undefined) problems.push(...conforms(v[k], sub, `${where}.${k}`));
      }
  }
  return problems;
}

function responseSchema(path: string, method: string, status: number): Json {
  const op = doc.paths[path]?.[method];
  assert.ok(op, `${method.toUpperCase()} ${path} is not documented`);
  const r = op.responses[String(status)];
  assert.ok(r, `${method.toUpperCase()} ${path} does not document status ${status}`);
  const media = resolve(r).content?.['application/json'];
  assert.ok(media, `${method.toUpperCase()} ${path} ${status} has no JSON schema`);
  return media.schema;
}

describe('OpenAPI document', function () {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext({ challenges: ['higgsml'] });
  });
  after(async () => ctx.close());

  it('is structurally valid OpenAPI 3.0', () => {
    assert.match(doc.openapi, /^3\.0\.\d+$/);
    assert.equal(typeof doc.info.title, 'string');
    assert.equal(typeof doc.info.version, 'string');
    assert.ok(doc.paths && typeof doc.paths === 'object');

    // Every $ref anywhere resolves to an object inside the document.
    const refs: string[] = [];
    const collect = (n: unknown) => {
      if (Array.isArray(n)) n.forEach(collect);
      else if (n && typeof n === 'object') {
        for (const [k, v] of Object.entries(n)) {
          if (k === '$ref') refs.push(v as string);
          else collect(v);
        }
      }
    };
    collect(doc);
    assert.ok(refs.length > 20);
    for (const r of refs) assert.ok(lookup(r) && typeof lookup(r) === 'object', `unresolved $ref ${r}`);

    const schemes = Object.keys(doc.components.securitySchemes);
    const operationIds = new Set<string>();
    for (const [p, item] of Object.entries(doc.paths as Json)) {
      assert.ok(p.startsWith('/'), `path ${p} must start with /`);
      const ops = Object.entries(item as Json).filter(([k]) => HTTP_METHODS.includes(k));
      assert.ok(ops.length > 0, `${p} has no operations`);
      for (const [method, op] of ops) {
        const name = `${method.toUpperCase()} ${p}`;
        assert.ok(op.operationId && !operationIds.has(op.operationId), `${name}: missing or duplicate operationId`);
        operationIds.add(op.operationId);
        assert.ok(op.summary, `${name}: no summary`);
        const responses = Object.entries(op.responses ?? {});
        assert.ok(responses.length > 0, `${name}: no responses`);
        assert.ok(responses.some(([code]) => /^2\d\d$/.test(code)), `${name}: no success response`);
        for (const [code, r] of responses) {
          assert.match(code, /^([1-5]\d\d|[1-5]XX|default)$/, `${name}: bad status ${code}`);
          assert.equal(typeof resolve(r as Json).description, 'string', `${name} ${code}: no description`);
        }
        const params = (op.parameters ?? []).map(resolve);
        for (const prm of params) {
          assert.ok(prm.name && ['path', 'query', 'header', 'cookie'].includes(prm.in) && prm.schema, `${name}: bad parameter ${JSON.stringify(prm)}`);
          if (prm.in === 'path') assert.equal(prm.required, true, `${name}: path parameter ${prm.name} must be required`);
        }
        const templated = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        assert.deepEqual(params.filter((x: Json) => x.in === 'path').map((x: Json) => x.name).sort(), templated, `${name}: path parameters do not match the template`);
        for (const req of op.security ?? []) for (const s of Object.keys(req)) assert.ok(schemes.includes(s), `${name}: unknown security scheme ${s}`);
        if (op.requestBody) assert.ok(Object.keys(resolve(op.requestBody).content ?? {}).length > 0, `${name}: empty requestBody`);
      }
    }
    for (const [name, s] of Object.entries(doc.components.schemas as Json)) {
      for (const r of s.required ?? []) assert.ok(s.properties && r in s.properties, `schema ${name}: required '${r}' is not a property`);
    }
  });

  it('documents every /api route of the app, and nothing more', () => {
    const routes = listRoutes(ctx.app).filter((r) => r.path.startsWith('/api/') || r.path === '/api');
    assert.ok(routes.length >= 15, `only ${routes.length} /api routes found: is the walker broken?`);
    const fromApp = new Set(routes.map((r) => `${r.method.toUpperCase()} ${toOpenApiPath(r.path)}`));
    const fromDoc = new Set<string>();
    for (const [p, item] of Object.entries(doc.paths as Json)) for (const m of Object.keys(item).filter((k) => HTTP_METHODS.includes(k))) fromDoc.add(`${m.toUpperCase()} ${p}`);
    assert.deepEqual([...fromApp].filter((r) => !fromDoc.has(r)), [], 'routes missing from the OpenAPI document');
    assert.deepEqual([...fromDoc].filter((r) => !fromApp.has(r)), [], 'documented operations with no route');
  });

  it('serves the document and a docs page rendered from it', async () => {
    const res = await request(ctx.app).get('/api/openapi.json').expect(200).expect('Content-Type', /json/);
    assert.deepEqual(res.body, JSON.parse(JSON.stringify(openApiDocument)));
    const page = await request(ctx.app).get('/api/docs').expect(200).expect('Content-Type', /html/);
    for (const [p, item] of Object.entries(doc.paths as Json)) {
      for (const m of Object.keys(item).filter((k) => HTTP_METHODS.includes(k))) {
        assert.ok(page.text.includes(`<code>${m.toUpperCase()} ${p}</code>`), `docs page lacks ${m} ${p}`);
        assert.ok(page.text.includes(`data-testid="op-${item[m].operationId}"`));
      }
    }
    const text = page.text.replace(/&quot;/g, '"').replace(/&#x3D;/g, '=').replace(/&#x27;/g, "'").replace(/&amp;/g, '&');
    assert.match(text, /curl -X POST -H "Authorization: Bearer \$SIFT_TOKEN" -F file=@predictions\.csv -F message="…" http:\/\/127\.0\.0\.1:\d+\/api\/v1\/challenges\/higgsml\/submissions</);
    assert.match(text, /curl -X PUT -H "Authorization: Bearer \$SIFT_TOKEN" -H "Content-Type: application\/json" -d '\{"selected":true\}' http:\/\/127\.0\.0\.1:\d+\/api\/v1\/challenges\/higgsml\/submissions\/42\/selection</);
    assert.match(text, /curl http:\/\/127\.0\.0\.1:\d+\/api\/openapi\.json/);
  });

  it("answers with the documented shapes (live responses checked against the document's schemas)", async () => {
    await signUp(ctx.handle.db, { email: 'root@example.org', name: 'Root', password: 'correct horse battery' }, 'admin');
    const user = await signUp(ctx.handle.db, { email: 'ada@example.org', name: 'Ada', password: 'correct horse battery' });
    const auth = `Bearer ${(await createApiToken(ctx.handle.db, user.id, { name: 't' })).token}`;
    const check = async (method: 'get' | 'post' | 'put', url: string, docPath: string, status: number, body?: (r: request.Test) => request.Test) => {
      let req = request(ctx.app)[method](url).set('Authorization', auth);
      if (body) req = body(req);
      const res = await req.expect(status);
      assert.deepEqual(conforms(res.body, responseSchema(docPath, method, status)), [], `${method.toUpperCase()} ${url} ${status}`);
      return res.body;
    };
    const slug = '/api/v1/challenges/{slug}';
    await check('get', '/api/v1/me', '/api/v1/me', 200);
    await check('get', '/api/v1/challenges', '/api/v1/challenges', 200);
    await check('get', '/api/v1/challenges/higgsml', slug, 200);
    await check('get', '/api/v1/challenges/nope', slug, 404);
    await check('get', '/api/v1/challenges/higgsml/quota', `${slug}/quota`, 200);
    const sample = fs.readFileSync(datasetFile('higgsml', 'sample_submission.csv.gz'));
    const sub = await check('post', '/api/v1/challenges/higgsml/submissions', `${slug}/submissions`, 202, (r) => r.attach('file', sample, 's.csv.gz').field('message', 'm'));
    await check('post', '/api/v1/challenges/higgsml/submissions', `${slug}/submissions`, 422, (r) => r.attach('file', Buffer.from('a,b\n1,2\n'), 'bad.csv'));
    await waitForTerminal(ctx.handle, sub.submission.id);
    await check('get', `/api/v1/challenges/higgsml/submissions/${sub.submission.id}`, `${slug}/submissions/{id}`, 200);
    await check('put', `/api/v1/challenges/higgsml/submissions/${sub.submission.id}/selection`, `${slug}/submissions/{id}/selection`, 200, (r) => r.send({ selected: true }));
    await check('put', `/api/v1/challenges/higgsml/submissions/${sub.submission.id}/selection`, `${slug}/submissions/{id}/selection`, 400, (r) => r.send({}));
    await check('get', '/api/v1/challenges/higgsml/submissions', `${slug}/submissions`, 200);
    await check('get', '/api/v1/challenges/higgsml/leaderboard', `${slug}/leaderboard`, 200);
    await check('get', '/api/v1/challenges/higgsml/leaderboard/private', `${slug}/leaderboard/private`, 403);
    await check('get', '/api/v1/challenges/higgsml/team', `${slug}/team`, 200);
    const team = await check('post', '/api/v1/challenges/higgsml/team', `${slug}/team`, 201, (r) => r.send({ name: 'Ridge Runners' }));
    assert.equal(team.team.submissions, 1, 'earlier submissions join the team');
    await check('get', '/api/v1/challenges/higgsml/team', `${slug}/team`, 200);
    await check('get', '/api/v1/challenges/higgsml/teams', `${slug}/teams`, 200);
    const invite = await check('post', '/api/v1/challenges/higgsml/team/invites', `${slug}/team/invites`, 201);
    await check('get', `/api/v1/invites/${invite.token}`, '/api/v1/invites/{token}', 200);
    await check('post', `/api/v1/invites/${invite.token}/accept`, '/api/v1/invites/{token}/accept', 200);
    await check('post', '/api/v1/challenges/higgsml/team/leave', `${slug}/team/leave`, 409);
    await check('post', '/api/v1/challenges/higgsml/team/merges', `${slug}/team/merges`, 404, (r) => r.send({ fromTeamId: 999, intoTeamId: team.team.id }));
    const board = await check('get', '/api/v1/challenges/higgsml/leaderboard', `${slug}/leaderboard`, 200);
    assert.equal(board.rows[0].name, 'Ridge Runners');
    assert.deepEqual(board.rows[0].members, ['Ada']);
  });
});
