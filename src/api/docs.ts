import { Router, type Request } from 'express';
import { renderMarkdown } from '../web/render.js';
import { openApiDocument } from './openapi.js';

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Follows a local `#/components/...` reference. */
export function resolveRef(doc: Json, node: Json): Json {
  let cur = node;
  for (let i = 0; cur && typeof cur.$ref === 'string' && i < 10; i++) {
    cur = cur.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((o: Json | undefined, k: string) => o?.[k], doc) as Json;
  }
  return cur;
}

const refName = (s: Json | undefined): string | undefined => (typeof s?.$ref === 'string' ? s.$ref.split('/').pop() : undefined);

/** A type as the page prints it, with the schema it links to (`Submission[]` links to Submission). */
interface TypeView {
  type: string;
  ref?: string;
  values?: string;
}

function typeOf(schema: Json | undefined): TypeView {
  if (!schema) return { type: '' };
  const name = refName(schema);
  if (name) return { type: name, ref: name };
  // `{ allOf: [Quota], nullable: true }` is how OpenAPI 3.0 says "a Quota or null".
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1) {
    const inner = typeOf(schema.allOf[0] as Json);
    return schema.nullable ? { ...inner, type: `${inner.type} | null` } : inner;
  }
  if (schema.type === 'array') {
    const item = typeOf(schema.items as Json);
    return { ...item, type: `${item.type}[]` };
  }
  if (schema.format === 'binary') return { type: 'file' };
  const type = String(schema.type ?? 'object') + (schema.nullable ? ' | null' : '');
  return Array.isArray(schema.enum) ? { type, values: schema.enum.join(', ') } : { type };
}

/** Markdown as HTML, sanitised (renderMarkdown drops raw HTML): for descriptions of several sentences. */
const markdown = (md: unknown): string => (typeof md === 'string' && md ? renderMarkdown(md) : '');

/** Markdown for a table cell or a line: one paragraph loses its <p>, so it reads as a phrase. */
function inlineMarkdown(md: unknown): string {
  const html = markdown(md).trim();
  const single = /^<p>([\s\S]*)<\/p>$/.exec(html);
  return single && !single[1].includes('<p>') ? single[1] : html;
}

/** A fragment id from a tag name: "Crowd" → "tag-crowd". */
const tagAnchor = (name: string): string => `tag-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;

const pretty = (v: unknown): string | undefined => (v === undefined ? undefined : JSON.stringify(v, null, 2));

function fieldsOf(schema: Json | undefined) {
  return Object.entries((schema?.properties ?? {}) as Json).map(([name, s]) => ({
    name,
    ...typeOf(s as Json),
    required: ((schema?.required ?? []) as string[]).includes(name),
    descriptionHtml: inlineMarkdown((s as Json).description),
  }));
}

/** What a request example is built from: the operation with example values in its path and body. */
interface CallExample {
  baseUrl: string;
  method: string;
  examplePath: string;
  sendsToken: boolean;
  bodyType: string | undefined;
  bodyFields: Array<{ name: string; type: string }>;
  bodyExample: unknown;
  answersJson: boolean;
  /** The answer is a file's bytes: curl saves it under its Content-Disposition name, Python writes it out. */
  answersFile: boolean;
}

/**
 * One `curl` line that runs as printed once SIFT_TOKEN is exported: the method, the token when the
 * operation takes one, the body from the spec's example and the path with its example parameters.
 */
function curlLine({ baseUrl, method, examplePath, sendsToken, bodyType, bodyFields, bodyExample, answersFile }: CallExample): string {
  const curl = ['curl'];
  if (answersFile) curl.push('-OJ');
  if (method !== 'get') curl.push(`-X ${method.toUpperCase()}`);
  if (sendsToken) curl.push(`-H "Authorization: Bearer $SIFT_TOKEN"`);
  if (bodyType === 'multipart/form-data') for (const f of bodyFields) curl.push(f.type === 'file' ? `-F ${f.name}=@predictions.csv` : `-F ${f.name}="…"`);
  if (bodyType === 'application/json') curl.push(`-H "Content-Type: application/json" -d '${JSON.stringify(bodyExample ?? {})}'`);
  curl.push(`${baseUrl}${examplePath}`);
  return curl.join(' ');
}

/** A JSON value as a Python literal (true → True, null → None); JSON's string escapes are Python's too. */
function pythonLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Array.isArray(v)) return `[${v.map(pythonLiteral).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pythonLiteral(x)}`).join(', ')}}`;
  return JSON.stringify(v);
}

/** The same call with Python's requests, as most competitors script it. */
function pythonSnippet({ baseUrl, method, examplePath, sendsToken, bodyType, bodyFields, bodyExample, answersJson, answersFile }: CallExample): string {
  const args = [`    ${JSON.stringify(`${baseUrl}${examplePath}`)},`];
  if (sendsToken) args.push(`    headers={"Authorization": f"Bearer {os.environ['SIFT_TOKEN']}"},`);
  if (bodyType === 'multipart/form-data') {
    const files = bodyFields.filter((f) => f.type === 'file').map((f) => `${JSON.stringify(f.name)}: open("predictions.csv", "rb")`);
    const data = bodyFields.filter((f) => f.type !== 'file').map((f) => `${JSON.stringify(f.name)}: "…"`);
    if (files.length) args.push(`    files={${files.join(', ')}},`);
    if (data.length) args.push(`    data={${data.join(', ')}},`);
  }
  if (bodyType === 'application/json') args.push(`    json=${pythonLiteral(bodyExample ?? {})},`);
  return [`import os, requests`, ``, `r = requests.${method}(`, ...args, `)`, `r.raise_for_status()`, answersJson ? `print(r.json())` : answersFile ? `open(${JSON.stringify(examplePath.split('/').pop())}, "wb").write(r.content)` : `print(r.text)`].join('\n');
}

/** The name of a shared response (`#/components/responses/NotFound` → NotFound), if `r` refers to one. */
const sharedResponseName = (r: Json): string | undefined => (typeof r.$ref === 'string' && r.$ref.startsWith('#/components/responses/') ? refName(r) : undefined);

function responseView(doc: Json, r: Json) {
  const resolved = resolveRef(doc, r);
  const [mediaType, media] = (Object.entries(resolved.content ?? {})[0] ?? []) as [string | undefined, Json | undefined];
  return {
    descriptionHtml: inlineMarkdown(resolved.description),
    mediaType,
    ...typeOf(media?.schema),
    headers: Object.entries((resolved.headers ?? {}) as Json).map(([name, h]) => ({ name, descriptionHtml: inlineMarkdown((h as Json).description) })),
    example: pretty(media?.example),
  };
}

function operationView(doc: Json, baseUrl: string, p: string, method: (typeof METHODS)[number], op: Json) {
  const params = ((op.parameters ?? []) as Json[]).map((x) => resolveRef(doc, x));
  const security = (op.security ?? doc.security ?? []) as Json[];
  const needsToken = security.length > 0 && security.every((s) => Object.keys(s).length > 0);
  const optionalToken = !needsToken && security.some((s) => Object.keys(s).length > 0);
  const body = op.requestBody ? resolveRef(doc, op.requestBody) : undefined;
  const bodyType = body ? Object.keys(body.content ?? {})[0] : undefined;
  const bodyMedia = bodyType ? (body!.content[bodyType] as Json) : undefined;
  const bodyFields = fieldsOf(bodyMedia ? resolveRef(doc, bodyMedia.schema) : undefined);
  const all = Object.entries(op.responses as Json);
  // Errors shared by many operations (`#/components/responses/…`) are described once, under Errors;
  // an operation lists them as links and keeps its own responses in its table.
  const sharedErrors = all.filter(([, r]) => sharedResponseName(r as Json)).map(([code, r]) => ({ code, name: sharedResponseName(r as Json)! }));
  const responses = all.filter(([, r]) => !sharedResponseName(r as Json)).map(([code, r]) => ({ code, success: /^2/.test(code), ...responseView(doc, r as Json) }));
  // The first success with an example is shown open; the others (a 422's list of problems) fold away.
  const responseExample = responses.find((r) => r.success && r.example);
  const examplePath = p.replace(/\{(\w+)\}/g, (_m, name: string) => String(params.find((x) => x.name === name)?.example ?? name));
  const answersJson = responses.find((r) => r.success)?.mediaType === 'application/json';
  const answersFile = responses.find((r) => r.success)?.mediaType === 'application/octet-stream';
  const call: CallExample = { baseUrl, method, examplePath, sendsToken: needsToken || optionalToken, bodyType, bodyFields, bodyExample: bodyMedia?.example, answersJson, answersFile };
  return {
    id: op.operationId as string,
    method: method.toUpperCase(),
    methodClass: method,
    path: p,
    /** "/api", "/v1", ...: the contents may break a long path before any slash, never inside a name. */
    pathSegments: p.match(/\/[^/]*/g) ?? [p],
    summary: op.summary as string,
    descriptionHtml: markdown(op.description),
    tag: ((op.tags ?? []) as string[])[0],
    auth: needsToken ? 'token required' : optionalToken ? 'token optional' : 'public',
    parameters: params.map((x) => ({ name: x.name, in: x.in, required: !!x.required, ...typeOf(x.schema), descriptionHtml: inlineMarkdown(x.description) })),
    bodyType,
    bodyFields,
    bodyExample: bodyType === 'application/json' ? pretty(bodyMedia?.example) : undefined,
    responses,
    sharedErrors,
    responseExample,
    otherExamples: responses.filter((r) => r.example && r !== responseExample),
    curl: curlLine(call),
    python: pythonSnippet(call),
  };
}

export type OperationView = ReturnType<typeof operationView>;

/**
 * The view model of the docs page, from the OpenAPI document alone: operations grouped by their first
 * tag, in the order of the document's `tags` (a tag matched without regard to case; an operation with
 * no declared tag lands in "Other"), every description rendered from markdown.
 */
export function docsModel(baseUrl: string, doc: Json = openApiDocument) {
  const declared = ((doc.tags ?? []) as Json[]).map((t) => ({ name: String(t.name), descriptionHtml: inlineMarkdown(t.description) }));
  const groups = declared.map((t) => ({ ...t, anchor: tagAnchor(t.name), operations: [] as OperationView[] }));
  const groupOf = (tag: string | undefined) => {
    const found = groups.find((g) => tag !== undefined && g.name.toLowerCase() === tag.toLowerCase());
    if (found) return found;
    let other = groups.find((g) => g.anchor === tagAnchor('Other'));
    if (!other) groups.push((other = { name: 'Other', descriptionHtml: '', anchor: tagAnchor('Other'), operations: [] }));
    return other;
  };
  for (const [p, item] of Object.entries(doc.paths as Json)) {
    for (const method of METHODS) {
      const op = (item as Json)[method] as Json | undefined;
      if (op) groupOf(((op.tags ?? []) as string[])[0]).operations.push(operationView(doc, baseUrl, p, method, op));
    }
  }
  // Each shared error once, with the status codes the operations answer it with.
  const errorCodes = new Map<string, Set<string>>();
  for (const op of groups.flatMap((g) => g.operations)) for (const e of op.sharedErrors) errorCodes.set(e.name, (errorCodes.get(e.name) ?? new Set()).add(e.code));
  const errors = Object.entries((doc.components?.responses ?? {}) as Json)
    .filter(([name]) => errorCodes.has(name))
    .map(([name, r]) => ({ name, codes: [...errorCodes.get(name)!].sort().join(', '), ...responseView(doc, r as Json) }));
  const schemas = Object.entries((doc.components?.schemas ?? {}) as Json).map(([name, s]) => ({
    name,
    descriptionHtml: inlineMarkdown((s as Json).description),
    fields: fieldsOf(s as Json),
  }));
  return {
    info: { title: doc.info?.title as string, version: doc.info?.version as string, descriptionHtml: markdown(doc.info?.description) },
    groups: groups.filter((g) => g.operations.length > 0),
    errors,
    schemas,
  };
}

const baseUrlOf = (req: Request): string => `${req.protocol}://${req.get('host')}`;

/** GET /api/openapi.json and GET /api/docs (mounted at /api). */
export function docsRoutes(): Router {
  const r = Router();
  r.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  r.get('/docs', (req, res) => {
    res.render('api-docs', { title: 'API', ...docsModel(baseUrlOf(req)), baseUrl: baseUrlOf(req) });
  });
  return r;
}
