import os from 'node:os';
import type { DbHandle } from '../db/index.js';
import { claim, complete, extendLease, fail, type Job } from './queue.js';

export interface JobHandler {
  /** `lease` aborts when this worker lost the job to another (a long handler should check it between steps). */
  run(payload: any, job: Job, lease: AbortSignal): Promise<void>;
  /** Called when a job has used up its attempts (for example its workers kept dying). */
  giveUp(payload: any, reason: string): Promise<void>;
}

export interface RunnerOptions {
  leaseSeconds: number;
  /** How often a running job's lease is extended; a third of the lease by default. */
  heartbeatMs?: number;
  pollMs?: number;
  owner?: string;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

/** Polls the jobs table; nudge() wakes it at once when work was just enqueued. */
export class JobRunner {
  private stopped = true;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  readonly owner: string;

  constructor(
    private readonly handle: DbHandle,
    private readonly handlers: Record<string, JobHandler>,
    private readonly opts: RunnerOptions,
  ) {
    this.owner = opts.owner ?? `${os.hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  }

  /** Runs one job if there is one; returns whether it did. */
  async runOnce(): Promise<boolean> {
    const job = await claim(this.handle.db, this.handle.dialect, this.owner, Object.keys(this.handlers), this.opts.leaseSeconds);
    if (!job) return false;
    const handler = this.handlers[job.kind];
    const payload = JSON.parse(job.payload_json);
    if (job.attempts > job.max_attempts) {
      const reason = `gave up after ${job.max_attempts} interrupted attempts`;
      await handler.giveUp(payload, reason);
      await fail(this.handle.db, { ...job, attempts: job.max_attempts }, reason);
      return true;
    }
    const lease = new AbortController();
    const heartbeat = setInterval(() => {
      extendLease(this.handle.db, job, this.opts.leaseSeconds).then(
        (held) => {
          if (held || lease.signal.aborted) return;
          this.opts.log?.('job lease lost to another worker', { job: job.id, kind: job.kind });
          lease.abort(new Error('lease lost'));
        },
        (err) => this.opts.log?.('job heartbeat failed', { job: job.id, error: String(err) }),
      );
    }, this.opts.heartbeatMs ?? (this.opts.leaseSeconds * 1000) / 3);
    try {
      await handler.run(payload, job, lease.signal);
      clearInterval(heartbeat);
      await complete(this.handle.db, job);
    } catch (err) {
      clearInterval(heartbeat);
      const message = err instanceof Error ? err.message : String(err);
      this.opts.log?.('job attempt failed', { job: job.id, kind: job.kind, error: message });
      if ((await fail(this.handle.db, job, message)) === 'failed') await handler.giveUp(payload, message);
    }
    return true;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = (async () => {
      while (!this.stopped) {
        let worked = false;
        try {
          worked = await this.runOnce();
        } catch (err) {
          this.opts.log?.('job runner error', { error: String(err) });
        }
        if (!worked && !this.stopped) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.opts.pollMs ?? 1000);
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.wake = null;
        }
      }
    })();
  }

  nudge(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.nudge();
    await this.loop;
  }
}
