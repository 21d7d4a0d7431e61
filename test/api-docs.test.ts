/**
 * The API reference page (/api/docs) as a reader meets it: markdown rendered (and sanitised), every
 * operation once under its tag, a table of contents whose links all land, and examples that match
 * the operation they sit under.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { docsModel } from '../src/api/docs.js';
import { openApiDocument } from '../src/api/openapi.js';
import { createTestContext, type TestContext } from './helpers.js';

type Json = Record<string, any>;
const doc = openApiDocument as unknown as Json;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Undoes Handlebars' escaping, so a test can read text and JSON back. */
const unescape = (html: string): string =>
  html
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** Every operation of the spec: its id, method, path, first tag and the operation object. */
function specOperations(spec: Json) {
  return Object.entries(spec.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Json)[m]).map((m) => ({ method: m, path, op: (item as Json)[m] as Json, id: (item as Json)[m].operationId as string, tag: ((item as Json)[m].tags ?? [])[0] as string })),
  );
}

/** The HTML of the element that opens with `openTag`, up to its matching close (same tag name, nesting counted). */
function elementAt(html: string, openTag: string): string {
  const start = html.indexOf(openTag);
  assert.ok(start >= 0, `no ${openTag} on the page`);
  const name = /^<(\w+)/.exec(openTag)![1];
  const tags = new RegExp(`<(/?)${name}\\b[^>]*>`, 'g');
  tags.lastIndex = start;
  let depth = 0;
  for (let m = tags.exec(html); m; m = tags.exec(html)) {
    depth += m[1] ? -1 : 1;
    if (depth === 0) return html.slice(start, m.index + m[0].length);
  }
  throw new Error(`${openTag} is never closed`);
}

const withoutPre = (html: string) => html.replace(/<pre\b[\s\S]*?<\/pre>/g, '');

describe('API docs page', function () {
  let ctx: TestContext;
  let page: string;
  before(async () => {
    ctx = await createTestContext();
    page = (await request(ctx.app).get('/api/docs').expect(200).expect('Content-Type', /html/)).text;
  });
  after(async () => ctx.close());

  it('renders markdown descriptions: `code` becomes a <code> element, no backtick is left in the prose', () => {
    // getQuota's description says "`nextSlotAt` is now when a slot is left".
    const quota = elementAt(page, '<section class="endpoint" id="getQuota"');
    assert.match(quota, /<code>nextSlotAt<\/code> is now when a slot is left/);
    // The submit description has a list of codes and headers, all in backticks in the spec.
    const submit = elementAt(page, '<section class="endpoint" id="submit"');
    assert.match(submit, /<code>Idempotency-Key<\/code>/);
    assert.match(submit, /<code>idempotency_key_reused<\/code>/);
    // Parameter, field and response descriptions are markdown too.
    assert.match(page, /The challenge slug, e\.g\. <code>higgsml<\/code>/);
    assert.match(page, /Too many requests for this token \(<code>rate_limited<\/code>\)/);
    // A literal backtick (or Handlebars' escape of one) anywhere outside the code blocks means a description went out raw.
    const prose = withoutPre(page);
    assert.equal(prose.includes('`'), false, 'a raw backtick in the page');
    assert.equal(prose.includes('&#x60;'), false, 'an escaped backtick in the page');
  });

  it('lists every operation of the spec exactly once, inside the group of its tag', () => {
    const ops = specOperations(doc);
    assert.ok(ops.length >= 20);
    const tags = (doc.tags as Json[]).map((t) => t.name as string);
    for (const o of ops) assert.ok(tags.includes(o.tag), `${o.id}: tag ${o.tag} is not declared in the document's tags`);
    for (const tag of tags) {
      const group = elementAt(page, `<section class="api-group" id="tag-${tag.toLowerCase()}"`);
      assert.match(group, new RegExp(`<h2>${tag}</h2>`));
      const inGroup = [...group.matchAll(/<section class="endpoint" id="(\w+)"/g)].map((m) => m[1]);
      assert.deepEqual(inGroup, ops.filter((o) => o.tag === tag).map((o) => o.id), `the ${tag} group`);
    }
    for (const o of ops) {
      assert.equal(page.split(`data-testid="op-${o.id}"`).length - 1, 1, `${o.id} appears once`);
      assert.equal(page.split(`<p class="op-sig"><code>${o.method.toUpperCase()} ${o.path}</code>`).length - 1, 1, `${o.method} ${o.path} is headed once`);
    }
  });

  it('has a table of contents whose every link lands on an id of the page, and which names every group and operation', () => {
    const toc = elementAt(page, '<nav class="api-toc"');
    const targets = [...toc.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]);
    const ids = [...page.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids.filter((id, i) => ids.indexOf(id) !== i).join(', ')}`);
    for (const t of targets) assert.ok(ids.includes(t), `the contents link to #${t}, which is not on the page`);
    for (const o of specOperations(doc)) assert.ok(targets.includes(o.id), `the contents lack ${o.id}`);
    for (const t of doc.tags as Json[]) assert.ok(targets.includes(`tag-${String(t.name).toLowerCase()}`), `the contents lack the ${t.name} group`);
    assert.ok(targets.includes('schemas'));
    // A schema named in a table links to its definition, and that definition is on the page.
    for (const [, name] of page.matchAll(/href="#schema-(\w+)"/g)) assert.ok(ids.includes(`schema-${name}`), `#schema-${name}`);
  });

  it("accounts for every documented status of an operation: its own in its table, shared errors as links to one description", () => {
    const ids = new Set([...page.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
    for (const o of specOperations(doc)) {
      const section = elementAt(page, `<section class="endpoint" id="${o.id}"`);
      for (const [code, r] of Object.entries(o.op.responses as Json)) {
        const shared = /^#\/components\/responses\/(\w+)$/.exec((r as Json).$ref ?? '')?.[1];
        if (shared) {
          assert.ok(section.includes(`<a href="#error-${shared}"><code>${code}</code></a>`), `${o.id}: no link for ${code} ${shared}`);
          assert.ok(ids.has(`error-${shared}`), `${o.id}: #error-${shared} is not on the page`);
        } else {
          assert.ok(section.includes(`<tr><td><code>${code}</code></td>`), `${o.id}: ${code} is not in its responses table`);
        }
      }
    }
    // The shared errors are described once each, with their example.
    const errors = elementAt(page, '<section class="api-group" id="errors"');
    for (const [name, r] of Object.entries(doc.components.responses as Json)) {
      if (!page.includes(`href="#error-${name}"`)) continue;
      assert.equal(errors.split(`id="error-${name}"`).length - 1, 1, name);
      const example = (r as Json).content?.['application/json']?.example;
      if (example) assert.ok(unescape(errors).includes(JSON.stringify(example, null, 2)), `${name}: its example is not shown`);
    }
  });

  it('gives each operation a curl line and a Python call with its method, token and example path', () => {
    for (const o of specOperations(doc)) {
      const section = elementAt(page, `<section class="endpoint" id="${o.id}"`);
      const curl = unescape(/<pre class="api-code api-shell" data-testid="curl"><code>([^<]*)<\/code><\/pre>/.exec(section)?.[1] ?? '');
      assert.ok(curl.startsWith('curl '), `${o.id}: no curl line`);
      assert.equal(curl.includes(`-X ${o.method.toUpperCase()} `), o.method !== 'get', `${o.id}: ${curl}`);
      const takesToken = (o.op.security ?? []).some((s: Json) => Object.keys(s).length > 0);
      assert.equal(curl.includes('-H "Authorization: Bearer $SIFT_TOKEN"'), takesToken, `${o.id}: ${curl}`);
      // The URL is the path with each {parameter} replaced by an example value.
      const url = curl.split(' ').pop()!;
      const pathPattern = new RegExp(`^http://127\\.0\\.0\\.1:\\d+${o.path.replace(/\{\w+\}/g, '[^/{}]+')}$`);
      assert.match(url, pathPattern, `${o.id}: ${url}`);
      const jsonBody = o.op.requestBody?.content?.['application/json'];
      if (jsonBody) assert.ok(curl.includes(`-d '${JSON.stringify(jsonBody.example)}'`), `${o.id}: the body example is not sent: ${curl}`);
      // The same call in Python: same method and URL, the token from the environment, the body as json= or files=.
      const python = unescape(/data-testid="python"><code>([^<]*)<\/code>/.exec(section)?.[1] ?? '');
      assert.ok(python.includes(`r = requests.${o.method}(\n    "${url}",`), `${o.id}: ${python}`);
      assert.equal(python.includes(`headers={"Authorization": f"Bearer {os.environ['SIFT_TOKEN']}"}`), takesToken, `${o.id}: ${python}`);
      if (jsonBody) assert.match(python, /\n {4}json=\{.+\},\n/, `${o.id}: ${python}`);
      if (o.op.requestBody?.content?.['multipart/form-data']) assert.ok(python.includes('files={"file": open("predictions.csv", "rb")}'), python);
    }
    const submit = unescape(elementAt(page, '<section class="endpoint" id="submit"'));
    assert.match(submit, /-F file=@predictions\.csv/);
    assert.match(submit, /\/api\/v1\/challenges\/higgsml\/submissions</);
  });

  it('shows the success example of every JSON operation, pretty-printed and equal to the spec', () => {
    for (const o of specOperations(doc)) {
      const [code, success] = Object.entries(o.op.responses as Json).find(([c]) => /^2/.test(c))!;
      const media = success.content?.['application/json'];
      if (!media) continue; // /api/docs answers HTML
      assert.notEqual(media.example, undefined, `${o.id}: the spec has no example for ${code}`);
      const section = elementAt(page, `<section class="endpoint" id="${o.id}"`);
      const shown = /data-testid="response-example"><code>([^<]*)<\/code>/.exec(section)?.[1];
      assert.ok(shown, `${o.id}: no response example on the page`);
      assert.equal(unescape(shown), JSON.stringify(media.example, null, 2), `${o.id}: the example differs from the spec`);
    }
  });

  it('keeps raw HTML in a description out of the page: no <script>, no event handler, no javascript: link', async () => {
    const hostile: Json = {
      ...doc,
      info: { ...doc.info, description: 'Intro <script>alert("info")</script> with `code`.' },
      tags: [{ name: 'Evil', description: '<img src=x onerror="alert(1)"> tag' }],
      paths: {
        '/api/v1/evil/{slug}': {
          get: {
            tags: ['Evil'],
            operationId: 'evil',
            summary: '<script>alert("summary")</script>',
            description: 'Uses `a_code`. <script>alert("op")</script> [click](javascript:alert(2))',
            parameters: [{ name: 'slug', in: 'path', required: true, description: '<b onmouseover="alert(3)">slug</b>', schema: { type: 'string' }, example: 'x' }],
            responses: { '200': { description: '<iframe src="https://example.org"></iframe>ok', content: { 'application/json': { schema: { type: 'object' }, example: { note: '</code><script>alert(4)</script>' } } } } },
          },
        },
      },
    };
    const html = await new Promise<string>((resolve, reject) =>
      ctx.app.render('api-docs', { title: 'API', ...docsModel('http://127.0.0.1', hostile), baseUrl: 'http://127.0.0.1' }, (err, out) => (err ? reject(err) : resolve(out))),
    );
    assert.match(html, /data-testid="op-evil"/, 'the hostile operation is rendered');
    assert.match(html, /Uses <code>a_code<\/code>\./);
    assert.match(html, /with <code>code<\/code>\./);
    assert.equal(/<script>alert|<script[^>]*>[^<]*alert/.test(html), false, 'a <script> from the spec reached the page');
    assert.doesNotMatch(html, /\sonerror=|\sonmouseover=/);
    assert.doesNotMatch(html, /href="javascript:/);
    assert.doesNotMatch(html, /<iframe/);
    // The only script is the layout's own.
    assert.deepEqual([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]), ['<script src="/static/sift.js" defer>']);
  });
});
