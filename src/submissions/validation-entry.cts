/**
 * The file piscina loads in each worker thread. Piscina tries require() on its task file first, and on
 * Node 20.19+ require() of an ES module can race with an import() of the same graph and abort the
 * whole process (a V8 fatal error, "IsGraphAsync ... instantiated module"; nodejs/node#55782). This
 * CommonJS entry reaches the ES module only through import(), so require(esm) never happens.
 */
export = async function validate(task: unknown): Promise<unknown> {
  const worker = await import('./validation-worker.js');
  return worker.default(task as Parameters<typeof worker.default>[0]);
};
