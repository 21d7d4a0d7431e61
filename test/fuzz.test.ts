import assert from 'node:assert/strict';
import request from 'supertest';
import { createTestContext, csrfFrom, datasetFile, listRoutes, signedInAgent, type TestContext } from './helpers.js';
import { seededRandom } from '../src/seeded-random.js';
import { addOrganizer } from '../src/organizers/access.js';
import { createWorkflowForSlug } from '../src/crowd/setup.js';
import { signUp } from '../src/accounts/service.js';

/**
 * Walks every route with malformed input (broken multipart bodies, undecodable path parameters,
 * JSON of the wrong shape, odd query strings) as an anonymous visitor, a participant and an
 * organizer, and asserts that no answer is a 5xx. FUZZ_SEED replays another sequence; a failure
 * lists each request exactly, with the seed.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 9_2026);
const SLUG = 'xmm-sources';
const BOUNDARY = 'fuzz-boundary-7MA4YWxk';

/** Every body field some route reads, so wrong types reach the code that reads them. */
const FIELDS = [
  'email', 'password', 'name', 'next', 'slug', 'title', 'role', 'remove', 'reason', 'publish', 'doi', 'submit', 'from_team', 'into_team',
  'fromTeamId', 'intoTeamId', 'selected', 'message', 'metric', 'format', 'split', 'public_fraction', 'id_column', 'target_column',
  'usage_column', 'weight_column', 'classes', 'opens_at', 'closes_at', 'merge_deadline', 'daily_limit', 'final_selections', 'team_size',
  'token', 'answer', 'join', 'body', 'tag', 'note', 'status', 'names', 'count', 'retirement', 'retireCount', 'goldPerClass', 'description',
];

const BAD_ENCODINGS = ['%E0%A4%A', '%', '%zz', '%C0%80%', 'a%FFb', '%ED%A0%80'];

type Rnd = () => number;
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

function deepNesting(depth: number): unknown {
  let v: unknown = 'deep';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** A value of the wrong shape for a text or number field. */
function wrongValue(rnd: Rnd): unknown {
  return pick(rnd, [
    () => ({ toString: 1 }),
    () => ({ toString: 1, valueOf: 1 }),
    () => ({ length: -1, join: 'x', map: 1, trim: null }),
    () => [],
    () => ['a', 'b'],
    () => [{ toString: 1 }],
    () => 0,
    () => -1,
    () => 1e308,
    () => 2 ** 53 + 2,
    () => 4_294_967_296,
    () => 0.5,
    () => true,
    () => null,
    () => deepNesting(500),
    () => 'x'.repeat(20_000 + Math.floor(rnd() * 60_000)),
    () => '\u0000\u0001\uFFFF',
    () => pick(rnd, BAD_ENCODINGS),
    () => '../../etc/passwd',
    () => '2026-13-45T99:99',
  ])();
}

function wrongBody(rnd: Rnd): unknown {
  const shape = rnd();
  if (shape < 0.1) return pick(rnd, [[], [1, 2], 'text', 42, null, deepNesting(2000)]);
  const body: Record<string, unknown> = {};
  for (let i = 1 + Math.floor(rnd() * 4); i > 0; i--) body[pick(rnd, FIELDS)] = wrongValue(rnd);
  if (rnd() < 0.2) Object.defineProperty(body, '__proto__', { value: { polluted: true }, enumerable: true });
  return body;
}

interface Case {
  label: string;
  path: string;
  contentType?: string;
  body?: string | Buffer;
}

const part = (headers: string, content: string) => `--${BOUNDARY}\r\n${headers}\r\n\r\n${content}\r\n`;

/** Multipart bodies that busboy refuses: NUL in a filename, a boundary that never comes, a part cut short. */
function brokenMultipart(rnd: Rnd, kind = Math.floor(rnd() * 6)): Pick<Case, 'label' | 'contentType' | 'body'> {
  const file = 'name,Class\r\nx,AGN\r\n';
  const mp = `multipart/form-data; boundary=${BOUNDARY}`;
  switch (kind) {
    case 0:
      return { label: 'multipart NUL in filename', contentType: mp, body: Buffer.from(part('Content-Disposition: form-data; name="file"; filename="a\u0000b.csv"', file) + `--${BOUNDARY}--\r\n`, 'latin1') };
    case 1:
      return { label: 'multipart boundary not in body', contentType: mp, body: part('Content-Disposition: form-data; name="file"; filename="a.csv"', file).replaceAll(BOUNDARY, 'other-boundary') + '--other-boundary--\r\n' };
    case 2:
      return { label: 'multipart truncated part', contentType: mp, body: part('Content-Disposition: form-data; name="file"; filename="a.csv"', file).slice(0, 60 + Math.floor(rnd() * 40)) };
    case 3:
      return { label: 'multipart without boundary parameter', contentType: 'multipart/form-data', body: part('Content-Disposition: form-data; name="message"', 'hi') };
    case 4:
      return { label: 'multipart part without headers', contentType: mp, body: `--${BOUNDARY}\r\n\r\n${file}\r\n--${BOUNDARY}--\r\n` };
    default:
      return { label: 'multipart malformed header line', contentType: mp, body: `--${BOUNDARY}\r\nContent-Disposition form-data name=file\r\n\u0000\r\n\r\n${file}--${BOUNDARY}--\r\n` };
  }
}

function rawBody(rnd: Rnd): Pick<Case, 'label' | 'contentType' | 'body'> {
  return pick(rnd, [
    { label: 'JSON cut short', contentType: 'application/json', body: '{"name": "a' },
    { label: 'JSON in an unsupported charset', contentType: 'application/json; charset=utf-7', body: '{"name":"a"}' },
    { label: 'form with repeated keys', contentType: 'application/x-www-form-urlencoded', body: FIELDS.map((f) => `${f}=a&${f}=b`).join('&') },
    { label: 'form with bracket keys', contentType: 'application/x-www-form-urlencoded', body: 'name[toString]=1&email[]=x&a[b][c]=d' },
    { label: 'form with bad percent-encoding', contentType: 'application/x-www-form-urlencoded', body: `name=${pick(rnd, BAD_ENCODINGS)}&email=%` },
    { label: 'body larger than the limit', contentType: 'application/json', body: JSON.stringify({ name: 'x'.repeat(200_000) }) },
  ]);
}

function queryFuzz(rnd: Rnd): string {
  const keys = ['next', 'board', 'status', 'thanks', 'page', 'slug', 'id', 'format'];
  return Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => {
    const k = pick(rnd, keys);
    return pick(rnd, [`${k}=${pick(rnd, BAD_ENCODINGS)}`, `${k}=a&${k}=b`, `${k}[x]=1`, `${k}=${'9'.repeat(30)}`, `${k}=`]);
  }).join('&');
}

/** The cases for one route: each path parameter undecodable, then bodies (writes) or query strings (reads). */
function casesFor(rnd: Rnd, method: string, pattern: string, params: Record<string, string>): Case[] {
  const names = [...pattern.matchAll(/:(\w+)/g)].map((m) => m[1]);
  const fill = (override: Record<string, string> = {}) => pattern.replace(/:(\w+)/g, (_, n: string) => override[n] ?? params[n] ?? 'x');
  const cases: Case[] = names.map((n) => ({ label: `undecodable :${n}`, path: fill({ [n]: pick(rnd, BAD_ENCODINGS) }) }));
  const path = fill();
  if (method === 'get') {
    cases.push({ label: 'odd query', path: `${path}?${queryFuzz(rnd)}` }, { label: 'odd query', path: `${path}?${queryFuzz(rnd)}` });
    return cases;
  }
  cases.push({ path, ...brokenMultipart(rnd, 0) }, { path, ...brokenMultipart(rnd) }, { path, ...rawBody(rnd) });
  for (let i = 0; i < 2; i++) cases.push({ label: 'JSON of the wrong shape', path, contentType: 'application/json', body: JSON.stringify(wrongBody(rnd)) });
  // Every field wrong at once, so whichever field a route reads first, it reads a wrong one: in the
  // same way (the shapes that break String(), .trim(), integer columns and PostgreSQL text), then each its own way.
  const everyField = (label: string, value: () => unknown) => cases.push({ label, path, contentType: 'application/json', body: JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, value()]))) });
  everyField('JSON with every field {"toString":1}', () => ({ toString: 1 }));
  everyField('JSON with every field an array', () => ['a', 'b']);
  everyField('JSON with every field a number too big for an integer column', () => 2 ** 53 + 2);
  everyField('JSON with every field text holding a NUL', () => 'a\u0000b');
  everyField('JSON with every field wrong', () => wrongValue(rnd));
  return cases;
}

describe('HTTP fuzz: malformed requests never get a 5xx', function () {
  this.timeout(180_000);
  let ctx: TestContext;
  const agents: Record<string, { agent: ReturnType<typeof request.agent>; csrf: string }> = {};
  const params: Record<string, string> = { slug: SLUG, id: '1', file: 'train.csv.gz' };

  before(async () => {
    ctx = await createTestContext({ workers: 0, challenges: [SLUG] });
    await createWorkflowForSlug(ctx.handle, ctx.storage, SLUG, { maxLive: 20, goldPerClass: 4 });
    // The first account becomes the admin: take that place, so the participant below is only a participant.
    await signUp(ctx.handle.db, { email: 'fuzz-admin@example.org', name: 'Admin', password: 'correct horse battery' });
    const anon = request.agent(ctx.app);
    agents.anonymous = { agent: anon, csrf: csrfFrom((await anon.get('/login').expect(200)).text) };
    agents.participant = await signedInAgent(ctx.app, 'fuzz-player@example.org');
    agents.organizer = await signedInAgent(ctx.app, 'fuzz-organizer@example.org');
    const users = await ctx.handle.db.selectFrom('users').select(['id', 'email']).execute();
    const orgId = users.find((u) => u.email === 'fuzz-organizer@example.org')!.id;
    await ctx.handle.db.updateTable('users').set({ role: 'organizer' }).where('id', '=', orgId).execute();
    const challengeId = (await ctx.handle.db.selectFrom('challenges').select('id').where('slug', '=', SLUG).executeTakeFirstOrThrow()).id;
    await addOrganizer(ctx.handle.db, challengeId, orgId);
    // Something real behind the ids: a queued submission, a team and its invitation.
    const { agent, csrf } = agents.participant;
    await agent.post(`/challenges/${SLUG}/submissions?_csrf=${encodeURIComponent(csrf)}`).set('Accept', 'application/json').attach('file', datasetFile(SLUG, 'sample_submission.csv.gz')).expect(202);
    await agent.post(`/challenges/${SLUG}/team`).set('Accept', 'application/json').send({ _csrf: csrf, name: 'Fuzzers' }).expect(200);
    params.token = (await agent.post(`/challenges/${SLUG}/team/invite`).set('Accept', 'application/json').send({ _csrf: csrf }).expect(200)).body.inviteToken;
  });
  after(async () => ctx.close());

  for (const who of ['anonymous', 'participant', 'organizer'] as const) {
    it(`answers every route with at most a 4xx, as ${who === 'anonymous' ? 'an anonymous visitor' : `a signed-in ${who}`}`, async () => {
      const rnd = seededRandom(SEED + who.length);
      const { agent, csrf } = agents[who];
      // Signing out ends the session the other cases need: those routes go last.
      const routes = listRoutes(ctx.app).sort((a, b) => Number(a.path.startsWith('/logout')) - Number(b.path.startsWith('/logout')));
      const failures: string[] = [];
      let sent = 0;
      for (const { method, path: pattern } of routes) {
        // A valid body would start a TF.js training thread: too slow for a fuzz test, and its input is one optional flag.
        if (who === 'organizer' && pattern.endsWith('/baseline/train')) continue;
        for (const c of casesFor(rnd, method, pattern, params)) {
          const url = `${c.path}${c.path.includes('?') ? '&' : '?'}_csrf=${encodeURIComponent(csrf)}`;
          let req = (agent as any)[method](url).set('X-CSRF-Token', csrf);
          const accept = pick(rnd, ['application/json', 'text/html', '*/*']);
          req = req.set('Accept', accept);
          if (c.contentType) req = req.set('Content-Type', c.contentType);
          if (c.body !== undefined) req = req.send(c.body);
          sent++;
          let status: number;
          let text = '';
          try {
            const res = await req;
            status = res.status;
            text = res.text ?? '';
          } catch (err) {
            status = 599;
            text = (err as Error).message;
          }
          if (status >= 500) {
            const body = c.body === undefined ? '' : ` body=${JSON.stringify(String(c.body).slice(0, 300))}`;
            failures.push(`${status} ${method.toUpperCase()} ${url} [${c.label}] Accept=${accept}${c.contentType ? ` Content-Type=${c.contentType}` : ''}${body} -> ${text.slice(0, 200)}`);
          }
        }
      }
      assert.ok(sent > routes.length, `sent ${sent} requests`);
      assert.deepEqual(failures, [], `FUZZ_SEED=${SEED}: ${failures.length} of ${sent} requests got a 5xx`);
    });
  }
});
