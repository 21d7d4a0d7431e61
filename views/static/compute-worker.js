// Volunteer computing's Web Worker (issue 14): runs one work unit at a time with TensorFlow.js on
// its wasm backend, single-threaded so every volunteer's result is the same, and answers the page
// with progress and the result. Served from /compute/assets/worker.js with a CSP that allows
// compiling WebAssembly; TensorFlow.js, the .wasm files and the runner come from Sift itself.
'use strict';

let ready = null;
let runner = null;
/** Decoded training data by data URL, kept while its ETag stays the same. */
const data = new Map();

function init(urls) {
  ready ??= (async () => {
    importScripts(urls.tf, urls.wasmBackend);
    self.tf.wasm.setWasmPaths(urls.wasmDir);
    // One thread: a thread pool would change nothing here (pages are not cross-origin isolated), but say so.
    self.tf.wasm.setThreadsCount(1);
    if (!(await self.tf.setBackend('wasm'))) throw new Error('The TensorFlow.js wasm backend did not start in this browser.');
    await self.tf.ready();
    runner = await import(urls.runner);
    return self.tf.getBackend();
  })();
  return ready;
}

async function trainingData(url) {
  // The HTTP cache answers within the hour (Cache-Control: max-age) and revalidates by ETag after.
  const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`The training data answered ${res.status}.`);
  const etag = res.headers.get('ETag') ?? '';
  const known = data.get(url);
  if (known && known.etag === etag && etag) return known.data;
  const decoded = runner.decodeTrainingData(await res.json());
  data.set(url, { etag, data: decoded });
  return decoded;
}

function base64(floats) {
  const bytes = new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

async function run(unit) {
  await ready;
  const started = performance.now();
  const d = await trainingData(unit.dataUrl);
  const outcome = await runner.runUnit(self.tf, d, unit, (p) => postMessage({ type: 'progress', resultId: unit.resultId, ...p }));
  return {
    type: 'result',
    resultId: unit.resultId,
    body: { metric: outcome.metric, predictions: base64(outcome.predictions), weightsHash: outcome.weightsHash },
    epochsRun: outcome.epochsRun,
    seconds: (performance.now() - started) / 1000,
  };
}

self.onmessage = async (e) => {
  const msg = e.data;
  try {
    if (msg.type === 'init') postMessage({ type: 'ready', backend: await init(msg.urls) });
    else if (msg.type === 'run') postMessage(await run(msg.unit));
  } catch (err) {
    postMessage({ type: 'error', resultId: msg.unit?.resultId ?? null, message: String(err?.message ?? err).slice(0, 1900) });
  }
};
