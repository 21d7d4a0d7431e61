import { createRequire } from 'node:module';
import { logger } from '../log.js';

const require = createRequire(import.meta.url);

export type Tf = typeof import('@tensorflow/tfjs');
export type BackendName = 'tensorflow' | 'wasm';

let loaded: Promise<{ tf: Tf; backend: BackendName }> | null = null;

/** Whether `@tensorflow/tfjs-node` (an optional dependency) can be imported here. */
export async function tfjsNodeAvailable(): Promise<boolean> {
  try {
    await import('@tensorflow/tfjs-node' as string);
    return true;
  } catch {
    return false;
  }
}

/**
 * TensorFlow.js with the fastest backend that loads: the native `tensorflow` backend of
 * `@tensorflow/tfjs-node` when installed, else the WebAssembly backend. Loaded once per thread.
 * SIFT_TF_BACKEND=wasm forces the WebAssembly backend.
 */
export function loadTf(): Promise<{ tf: Tf; backend: BackendName }> {
  loaded ??= (async () => {
    if (process.env.SIFT_TF_BACKEND !== 'wasm') {
      try {
        const mod = (await import('@tensorflow/tfjs-node' as string)) as { default?: Tf } & Tf;
        const tf = (mod.default ?? mod) as Tf;
        await tf.setBackend('tensorflow');
        await tf.ready();
        logger.info({ backend: 'tensorflow' }, 'baseline: TensorFlow.js with the native tfjs-node backend');
        return { tf, backend: 'tensorflow' as const };
      } catch (err) {
        logger.info({ reason: (err as Error).message.split('\n')[0] }, 'baseline: @tensorflow/tfjs-node not available, using the wasm backend');
      }
    }
    // The CommonJS builds, so that this instance is the one danfojs and tfjs-backend-wasm register with.
    const tf = require('@tensorflow/tfjs') as Tf;
    require('@tensorflow/tfjs-backend-wasm');
    // In Node the backend finds its .wasm files next to its own module; no setWasmPaths needed.
    if (!(await tf.setBackend('wasm'))) throw new Error('The TensorFlow.js wasm backend failed to initialise.');
    await tf.ready();
    logger.info({ backend: 'wasm' }, 'baseline: TensorFlow.js with the wasm backend');
    return { tf, backend: 'wasm' as const };
  })();
  return loaded;
}
