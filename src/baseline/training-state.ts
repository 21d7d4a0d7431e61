import { STALE_RUN_MS, type BaselineRun, type RunProgress } from './service.js';

/** What the organizer's baseline page says about training, and whether Retrain is open. */
export interface TrainingState {
  kind: 'none' | 'saved' | 'starting' | 'training' | 'stalled' | 'done' | 'failed';
  /** A training is queued or running: Retrain is disabled (and refused with 409). */
  busy: boolean;
  text: string;
  /** Epochs done over the most there can be, across the ensemble's models, while training. */
  progress: { value: number; max: number } | null;
}

/**
 * The state from the latest run and whether a saved model exists. A run is 'starting' until its
 * first model begins (its progress still reads model 0 of 0); a running run whose heartbeat is
 * older than STALE_RUN_MS is taken for dead, as the next start will take it, so Retrain opens again.
 */
export function trainingState(run: BaselineRun | undefined, hasSavedModel: boolean, now = Date.now()): TrainingState {
  const saved = hasSavedModel ? ' The saved model below stays on the leaderboards until a new one is trained.' : '';
  if (!run) {
    return hasSavedModel
      ? { kind: 'saved', busy: false, progress: null, text: 'A trained model is saved for this challenge (shipped with the demo or trained with the command line); it has not been retrained from this page.' }
      : { kind: 'none', busy: false, progress: null, text: 'No baseline has been trained for this challenge yet.' };
  }
  const p = JSON.parse(run.progress_json) as RunProgress;
  if (run.status === 'running') {
    if (now - Date.parse(run.heartbeat_at) > STALE_RUN_MS) {
      return { kind: 'stalled', busy: false, progress: null, text: `Run ${run.id} has reported no progress for over ${STALE_RUN_MS / 60_000} minutes: its process has probably stopped. Retraining marks it failed.${saved}` };
    }
    if (p.phase === 'starting' || !p.models) {
      return { kind: 'starting', busy: true, progress: null, text: `Run ${run.id} is starting… (reading the training file and loading TensorFlow.js).${saved}` };
    }
    const epoch = p.epoch === 0 ? `first epoch under way (at most ${p.maxEpochs})` : `epoch ${p.epoch} of at most ${p.maxEpochs}`;
    return {
      kind: 'training',
      busy: true,
      progress: { value: p.model * p.maxEpochs + p.epoch, max: p.models * p.maxEpochs },
      text: `Run ${run.id}: training model ${p.model + 1} of ${p.models}, ${epoch}. Early stopping usually ends a model before its last epoch.${saved}`,
    };
  }
  if (run.status === 'failed') return { kind: 'failed', busy: false, progress: null, text: `Run ${run.id} failed: ${run.error ?? 'no reason recorded'}.${saved}` };
  const submitFailed = run.error ? ` Submitting it failed: ${run.error}` : '';
  return { kind: 'done', busy: false, progress: null, text: `Run ${run.id} finished; its model is the saved model below.${submitFailed}` };
}
