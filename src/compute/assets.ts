import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Router, type Response } from 'express';
import { repoRoot } from '../paths.js';
import { UserError } from '../web/errors.js';

/**
 * What a volunteer's browser runs, served by Sift itself (no CDN): the TensorFlow.js and wasm
 * backend bundles and .wasm files from node_modules, the compiled unit runner and the modules it
 * imports (from dist/, as ES modules) and the Web Worker script. Only the files listed here are
 * served; versioned paths are cached for a year.
 */

const require = createRequire(import.meta.url);
const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));
const versionOf = (name: string) => (JSON.parse(fs.readFileSync(path.join(packageDir(name), 'package.json'), 'utf8')) as { version: string }).version;

/** The compiled tree (dist/), where this module runs from: dist/src/compute/assets.js. */
const distRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const RUNNER = 'src/compute/unit-runner.js';
const WORKER_FILE = path.join(repoRoot, 'views', 'static', 'compute-worker.js');

const YEAR = 'public, max-age=31536000, immutable';

/**
 * The worker's own policy: a worker is governed by the CSP of its script's response, and compiling
 * the backend's WebAssembly needs 'wasm-unsafe-eval' (WebAssembly only; JavaScript eval stays off).
 * Pages keep the app's policy without it.
 */
export const WORKER_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; object-src 'none'; base-uri 'none'";

/** Relative imports of an ES module's text; anything else (a bare or node: specifier) is refused. */
function importsOf(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:^|[;\s])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[;\s])import\s*['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? m[2]);
  for (const s of specs) if (!s.startsWith('./') && !s.startsWith('../')) throw new Error(`${file} imports '${s}': the browser runner may import only its own relative modules`);
  return specs;
}

/** The runner and every module it imports, as paths under dist/ (e.g. scorers/ams.js), read once. */
export function runnerModules(root = distRoot): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const visit = (rel: string) => {
    if (out.has(rel)) return;
    const body = fs.readFileSync(path.join(root, rel));
    out.set(rel, body);
    for (const spec of importsOf(rel, body.toString('utf8'))) visit(path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)));
  };
  visit(RUNNER);
  return out;
}

export interface ComputeAssetUrls {
  worker: string;
  tf: string;
  wasmBackend: string;
  /** Folder of the three tfjs-backend-wasm*.wasm files, ending in a slash. */
  wasmDir: string;
  runner: string;
}

interface Assets {
  urls: ComputeAssetUrls;
  files: Map<string, { file?: string; body?: Buffer; type: string; cache: string }>;
}

let assets: Assets | null = null;

function loadAssets(): Assets {
  const tfVersion = versionOf('@tensorflow/tfjs');
  const wasmVersion = versionOf('@tensorflow/tfjs-backend-wasm');
  const tfDir = path.join(packageDir('@tensorflow/tfjs'), 'dist');
  const wasmDir = path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
  const files: Assets['files'] = new Map();
  // The ES2017 bundles: the ES5 ones carry a regenerator runtime that falls back to Function(string), which the CSP refuses.
  const lib = `/compute/assets/tfjs-${tfVersion}`;
  const wasmLib = `/compute/assets/tfjs-backend-wasm-${wasmVersion}`;
  files.set(`${lib}/tf.min.js`, { file: path.join(tfDir, 'tf.es2017.min.js'), type: 'text/javascript', cache: YEAR });
  files.set(`${wasmLib}/tf-backend-wasm.min.js`, { file: path.join(wasmDir, 'tf-backend-wasm.es2017.min.js'), type: 'text/javascript', cache: YEAR });
  for (const name of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    files.set(`${wasmLib}/${name}`, { file: path.join(wasmDir, name), type: 'application/wasm', cache: YEAR });
  }
  const modules = runnerModules();
  // One version for the whole module graph, so a module never meets an older sibling from the cache.
  const hash = crypto.createHash('sha256');
  for (const [rel, body] of [...modules].sort(([a], [b]) => a.localeCompare(b))) hash.update(rel).update('\0').update(body);
  const code = `/compute/assets/code-${hash.digest('hex').slice(0, 16)}`;
  for (const [rel, body] of modules) files.set(`${code}/${rel}`, { body, type: 'text/javascript', cache: YEAR });
  files.set('/compute/assets/worker.js', { file: WORKER_FILE, type: 'text/javascript', cache: 'public, max-age=3600' });
  return { files, urls: { worker: '/compute/assets/worker.js', tf: `${lib}/tf.min.js`, wasmBackend: `${wasmLib}/tf-backend-wasm.min.js`, wasmDir: `${wasmLib}/`, runner: `${code}/${RUNNER}` } };
}

/** Where the page and its worker find the code (computed once per process). */
export function computeAssetUrls(): ComputeAssetUrls {
  assets ??= loadAssets();
  return assets.urls;
}

function send(res: Response, a: { file?: string; body?: Buffer; type: string; cache: string }) {
  res.set('Cache-Control', a.cache);
  res.type(a.type);
  if (a.file === WORKER_FILE) res.set('Content-Security-Policy', WORKER_CSP);
  if (a.body) return void res.send(a.body);
  res.sendFile(a.file!);
}

export function computeAssetRoutes(): Router {
  const r = Router();
  r.get('/compute/assets/*asset', (req, res) => {
    assets ??= loadAssets();
    const a = assets.files.get(req.path);
    if (!a) throw new UserError(404, 'not_found', `No compute asset at ${req.path}.`);
    send(res, a);
  });
  return r;
}
