import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { openConfiguredDb } from '../db/open.js';
import { findChallengeBySlug } from '../challenges/repo.js';
import type { DbHandle } from '../db/index.js';
import { startRun, submitBaseline, trainUnderRun } from './service.js';
import { metricHumanName } from '../challenges/metric-names.js';
import { baselineDir, isAms, recomputeOutOfFold, specFor, type BaselineRecord, type TrainOptions } from './train.js';
import { writeOutOfFold } from './oof.js';
import { DEFAULT_RETRAIN_AGGREGATOR, DEFAULT_RETRAIN_THRESHOLD, describeRetrain, retrainWithCrowd } from './retrain-with-crowd.js';
import { baselineFolderKey, openStorage, type ObjectStorage } from '../storage/index.js';
import { withLocalFolder } from '../challenges/service.js';

/** A cli-progress bar per model: epochs, training loss, validation loss and metric. */
export function progressBars(metricName: string): Pick<TrainOptions, 'onModelStart' | 'onEpoch' | 'onModelEnd'> {
  let bar: cliProgress.SingleBar | null = null;
  return {
    onModelStart(m, models, maxEpochs) {
      bar = new cliProgress.SingleBar(
        { format: `model ${m + 1}/${models} [{bar}] epoch {value}/{total} | loss {loss} | val loss {vloss} | val ${metricName} {vmetric}`, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(maxEpochs, 0, { loss: '-', vloss: '-', vmetric: '-' });
    },
    onEpoch(_m, e) {
      bar?.update(e.epoch, { loss: e.loss.toFixed(4), vloss: e.valLoss.toFixed(4), vmetric: e.valMetric.toFixed(4) });
    },
    onModelEnd() {
      bar?.stop();
      bar = null;
    },
  };
}

export function describeRecord(r: BaselineRecord): string[] {
  const lines = [
    `backend ${r.backend}, seed ${r.seed}, ${r.models.length} models, ${r.features.length} features, ${r.trainRows} training rows, ${r.trainingSeconds.toFixed(1)} s`,
    `epochs run per model: ${r.models.map((m) => `${m.epochsRun} (best ${m.bestEpoch})`).join(', ')}`,
    `out-of-fold validation ${metricHumanName(r.validation.metric)}: ${r.validation.score.toFixed(4)} (per model: ${r.validation.perModel.map((v) => v.toFixed(3)).join(', ')})`,
  ];
  if (r.validation.challengeMetric) lines.push(`out-of-fold ${metricHumanName(r.validation.challengeMetric.metric)} (the challenge's metric): ${r.validation.challengeMetric.score.toFixed(4)}`);
  if (r.chosenFraction !== null) lines.push(`chosen selected fraction: ${(r.chosenFraction * 100).toFixed(2)}% of test events as signal`);
  return lines;
}

async function withChallenge<T>(
  slug: string,
  fn: (handle: DbHandle, c: NonNullable<Awaited<ReturnType<typeof findChallengeBySlug>>>, config: ReturnType<typeof loadConfig>, storage: ObjectStorage) => Promise<T>,
): Promise<void> {
  const config = loadConfig();
  const handle = await openConfiguredDb(config);
  const storage = openStorage(config.STORAGE_URL, config.dataDir);
  try {
    const c = await findChallengeBySlug(handle.db, slug);
    if (!c) throw new Error(`No challenge '${slug}' in the database (import it first: sift import-challenge <folder>).`);
    await fn(handle, c, config, storage);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 2;
  } finally {
    storage.close();
    await handle.destroy();
  }
}

export function registerBaselineCommands(program: Command): void {
  const baseline = program.command('baseline').description('the TensorFlow.js baseline model of a challenge');
  baseline
    .command('train <challenge>')
    .description('train the baseline (preprocessing from the challenge folder\'s baseline.yaml) and save it under DATA_DIR/baselines/<challenge>')
    .option('--seed <n>', 'random seed (default: baseline.yaml model.seed)', (v) => Number.parseInt(v, 10))
    .option('--epochs <n>', 'cap on epochs per model', (v) => Number.parseInt(v, 10))
    .option('--submit', 'submit the predictions as the Baseline entry once trained')
    .action(async (slug: string, opts: { seed?: number; epochs?: number; submit?: boolean }) => {
      await withChallenge(slug, async (handle, c, config, storage) => {
        const { spec } = specFor(await withLocalFolder(storage, c), config.datasetsDir);
        const run = await startRun(handle.db, c, { seed: opts.seed ?? spec.model.seed });
        const record = await trainUnderRun(handle.db, storage, c, run, {
          datasetsDir: config.datasetsDir,
          maxEpochs: opts.epochs,
          log: (m) => console.log(m),
          ...progressBars(metricHumanName(isAms(c) ? 'ams' : 'macro_f1')),
        });
        for (const line of describeRecord(record)) console.log(line);
        if (opts.submit) {
          const { submission } = await submitBaseline(handle, storage, c);
          console.log(`submitted as the Baseline entry: submission ${submission.id}, queued for scoring`);
        }
      });
    });
  baseline
    .command('retrain <challenge>')
    .description('retrain the baseline with the crowd\'s confident labels on test rows, and score it before and after on the evaluation split')
    .requiredOption('--with-crowd', 'add test-row subjects whose crowd consensus passes the threshold, labelled with it')
    .option('--threshold <p>', 'minimum consensus posterior', Number.parseFloat, DEFAULT_RETRAIN_THRESHOLD)
    .option('--aggregator <name>', 'consensus aggregator (crowd_consensus, from the consensus job)', DEFAULT_RETRAIN_AGGREGATOR)
    .option('--seed <n>', 'model and bootstrap seed (default: baseline.yaml model.seed)', (v) => Number.parseInt(v, 10))
    .option('--epochs <n>', 'cap on epochs per model', (v) => Number.parseInt(v, 10))
    .option('--folds <n>', 'models per ensemble (default: baseline.yaml model.folds)', (v) => Number.parseInt(v, 10))
    .option('--submit', 'also train on all train rows plus the crowd rows and submit it as the "Baseline + crowd" entry')
    .action(async (slug: string, opts: { threshold: number; aggregator: string; seed?: number; epochs?: number; folds?: number; submit?: boolean }) => {
      await withChallenge(slug, async (handle, c, config, storage) => {
        const result = await retrainWithCrowd(handle, c, {
          storage,
          datasetsDir: config.datasetsDir,
          threshold: opts.threshold,
          aggregator: opts.aggregator,
          seed: opts.seed,
          maxEpochs: opts.epochs,
          folds: opts.folds,
          submit: !!opts.submit,
          log: (m) => console.log(m),
        });
        for (const line of describeRetrain(result.record)) console.log(line);
        if (result.submission) console.log(`submitted as the "Baseline + crowd" entry: submission ${result.submission.id}, queued for scoring (a worker scores it)`);
      });
    });
  baseline
    .command('oof <challenge>')
    .description('rebuild oof.csv (out-of-fold predictions) of a saved baseline from its fold models and its seeded fold split')
    .option('--dir <dir>', 'the saved baseline (default: DATA_DIR/baselines/<challenge>)')
    .action(async (slug: string, opts: { dir?: string }) => {
      await withChallenge(slug, async (_handle, c, config, storage) => {
        if (!opts.dir) await storage.localDir(baselineFolderKey(slug));
        const dir = opts.dir ?? baselineDir(storage.localRoot, slug);
        const r = await recomputeOutOfFold(await withLocalFolder(storage, c), dir, config.datasetsDir);
        // Only a split that reproduces the recorded out-of-fold score is the one the models were trained on.
        if (Math.abs(r.score - r.recorded) > 1e-4) throw new Error(`recomputed out-of-fold score ${r.score.toFixed(6)} differs from the recorded ${r.recorded.toFixed(6)}: oof.csv not written`);
        writeOutOfFold(dir, r.ids, r.labels);
        if (!opts.dir) await storage.publishLocalDir(baselineFolderKey(slug));
        console.log(`wrote ${dir}/oof.csv: ${r.ids.length} rows, out-of-fold score ${r.score.toFixed(6)} (recorded ${r.recorded.toFixed(6)})`);
      });
    });
  baseline
    .command('submit <challenge>')
    .description('predict the test file with the saved baseline and submit it as the flagged, unranked Baseline entry')
    .action(async (slug: string) => {
      await withChallenge(slug, async (handle, c, _config, storage) => {
        const { submission, record, file } = await submitBaseline(handle, storage, c);
        console.log(`wrote ${file}`);
        for (const line of describeRecord(record)) console.log(line);
        console.log(`submitted as the Baseline entry: submission ${submission.id}, queued for scoring (a worker scores it)`);
      });
    });
}
