import { Router, type Request } from 'express';
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

function typeOf(doc: Json, schema: Json | undefined): string {
  if (!schema) return '';
  const name = refName(schema);
  if (name) return name;
  if (schema.type === 'array') return `${typeOf(doc, schema.items)}[]`;
  return String(schema.type ?? 'object');
}

/** The view model of the docs page, from the OpenAPI document alone. */
export function docsModel(baseUrl: string, doc: Json = openApiDocument) {
  const operations = [];
  for (const [p, item] of Object.entries(doc.paths as Json)) {
    for (const method of METHODS) {
      const op = (item as Json)[method] as Json | undefined;
      if (!op) continue;
      const params = ((op.parameters ?? []) as Json[]).map((x) => resolveRef(doc, x));
      const security = (op.security ?? doc.security ?? []) as Json[];
      const needsToken = security.length > 0 && security.every((s) => Object.keys(s).length > 0);
      const optionalToken = !needsToken && security.some((s) => Object.keys(s).length > 0);
      const body = op.requestBody ? resolveRef(doc, op.requestBody) : undefined;
      const bodyType = body ? Object.keys(body.content ?? {})[0] : undefined;
      const bodySchema = bodyType ? resolveRef(doc, body!.content[bodyType].schema) : undefined;
      const bodyFields = bodySchema?.properties
        ? Object.entries(bodySchema.properties as Json).map(([name, s]) => ({ name, type: (s as Json).format === 'binary' ? 'file' : typeOf(doc, s as Json), required: (bodySchema.required ?? []).includes(name), description: (s as Json).description ?? '' }))
        : [];
      const responses = Object.entries(op.responses as Json).map(([code, r]) => {
        const resolved = resolveRef(doc, r as Json);
        const media = resolved.content ? Object.values(resolved.content as Json)[0] as Json : undefined;
        return { code, description: resolved.description, schema: typeOf(doc, media?.schema), example: media?.example === undefined ? undefined : JSON.stringify(media.example, null, 2) };
      });
      const examplePath = p.replace(/\{(\w+)\}/g, (_m, name: string) => String(params.find((x) => x.name === name)?.example ?? name));
      const curl = [`curl`];
      if (method !== 'get') curl.push(`-X ${method.toUpperCase()}`);
      if (needsToken || optionalToken) curl.push(`-H "Authorization: Bearer $SIFT_TOKEN"`);
      if (bodyType === 'multipart/form-data') for (const f of bodyFields) curl.push(f.type === 'file' ? `-F ${f.name}=@predictions.csv` : `-F ${f.name}="…"`);
      if (bodyType === 'application/json') curl.push(`-H "Content-Type: application/json" -d '${JSON.stringify(body!.content[bodyType].example ?? {})}'`);
      curl.push(`${baseUrl}${examplePath}`);
      operations.push({
        id: op.operationId as string,
        method: method.toUpperCase(),
        path: p,
        summary: op.summary,
        description: op.description,
        tag: (op.tags ?? [])[0],
        auth: needsToken ? 'token required' : optionalToken ? 'token optional' : 'public',
        parameters: params.map((x) => ({ name: x.name, in: x.in, required: !!x.required, type: typeOf(doc, x.schema), description: x.description ?? '' })),
        bodyType,
        bodyFields,
        responses,
        curl: curl.join(' '),
      });
    }
  }
  const schemas = Object.entries((doc.components?.schemas ?? {}) as Json).map(([name, s]) => ({
    name,
    fields: Object.entries(((s as Json).properties ?? {}) as Json).map(([field, f]) => ({ name: field, type: typeOf(doc, f as Json) + ((f as Json).nullable ? ' | null' : ''), required: ((s as Json).required ?? []).includes(field), description: (f as Json).description ?? '' })),
  }));
  return { info: doc.info, operations, schemas };
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
