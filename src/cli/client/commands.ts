import crypto from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { ApiClient, CliError, EXIT, isRetryable } from './http.js';
import { normalizeServer, readCredentials, removeCredentials, writeCredentials, DEFAULT_SERVER } from './credentials.js';
import { csv, score, table, when } from './format.js';
import { client, err, out, quotaLine, run, slugPath, usageExit, type Issue, type Quota } from './common.js';

/* Response shapes of /api/v1 (see src/api/openapi.ts). */
interface Challenge { slug: string; title: string; metric: string; phase: string; closesAt: string; dailyLimit: number; privateLeaderboardVisible: boolean }
interface Submission { id: number; status: string; fileName: string; message: string | null; error: string | null; warnings: Issue[]; publicScore: number | null; publicHidden?: boolean; privateScore: number | null; selected: boolean; late?: boolean; createdAt: string; scoredAt: string | null }
interface BoardRow { rank: number | null; submissionId: number; name: string; teamId: number | null; members: string[]; score: number; entries: number; createdAt: string; isBaseline: boolean; rankChange: number | null }

async function prompt(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Tries of one upload on network errors, waiting 1 s, 2 s, 4 s between them (SIFT_RETRY_BASE_MS sets the first wait). */
const UPLOAD_ATTEMPTS = 4;

export function registerClientCommands(program: Command): void {
  program.exitOverride(usageExit);
  const commands: Command[] = [];
  const add = (name: string) => {
    const c = program.command(name);
    commands.push(c);
    return c;
  };

  add('login')
    .description('store a server URL and API token in ~/.config/sift/credentials.json (mode 600)')
    .option('--server <url>', 'the Sift server, e.g. https://sift.example.org')
    .option('--token <token>', 'a personal API token from your profile page')
    .action(
      run(async (opts: { server?: string; token?: string }) => {
        const stored = readCredentials();
        let server = opts.server ?? process.env.SIFT_SERVER;
        if (!server) server = (await prompt(`Server URL [${stored.server ?? DEFAULT_SERVER}]: `)) || stored.server || DEFAULT_SERVER;
        let token = opts.token ?? process.env.SIFT_TOKEN;
        if (!token) token = await prompt('API token (create one on your profile page): ');
        if (!token) throw new CliError('No token given.', EXIT.usage);
        if (!/^https?:\/\//.test(server)) throw new CliError(`The server must be an http(s) URL, not '${server}'.`, EXIT.usage);
        server = normalizeServer(server);
        const me = await new ApiClient(server, token).get<{ user: { name: string; email: string; role: string } }>('/api/v1/me');
        const file = writeCredentials({ server, token });
        out(`Logged in to ${server} as ${me.user.name} <${me.user.email}> (${me.user.role}). Credentials saved in ${file}.`);
      }),
    );

  add('logout')
    .description('forget the stored credentials')
    .action(
      run(async () => {
        out(removeCredentials() ? 'Logged out.' : 'No stored credentials.');
      }),
    );

  add('challenges')
    .description('list challenges')
    .option('--json', 'print the JSON answer')
    .action(
      run(async (opts: { json?: boolean }) => {
        const { challenges } = await client().get<{ challenges: Challenge[] }>('/api/v1/challenges');
        if (opts.json) return out(JSON.stringify(challenges, null, 2));
        out(table(['Slug', 'Title', 'Phase', 'Metric', 'Daily limit', 'Closes'], challenges.map((c) => [c.slug, c.title, c.phase, c.metric, c.dailyLimit, when(c.closesAt)])));
      }),
    );

  add('submit <challenge>')
    .description('upload a prediction file (.csv or .csv.gz); with --wait, wait for its score')
    .requiredOption('-f, --file <path>', 'the prediction file')
    .option('-m, --message <text>', 'a note shown beside the submission')
    .option('-w, --wait', 'wait until it is scored')
    .option('--timeout <seconds>', 'how long --wait waits', '600')
    .option('--json', 'print the JSON answer')
    .action(
      run(async (slug: string, opts: { file: string; message?: string; wait?: boolean; timeout: string; json?: boolean }) => {
        if (!fs.existsSync(opts.file) || !fs.statSync(opts.file).isFile()) throw new CliError(`No file ${opts.file}.`, EXIT.usage);
        const api = client().requireToken();
        const bar = new cliProgress.SingleBar(
          { format: 'uploading [{bar}] {percentage}% | {value}/{total} kB', stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        let started = false;
        let res: { submission: Submission; quota: Quota } | undefined;
        // One key for this file and all its retries: a retry of an upload the server did receive returns that submission.
        const idempotencyKey = crypto.randomUUID();
        const retryBaseMs = Number(process.env.SIFT_RETRY_BASE_MS ?? 1000);
        try {
          for (let attempt = 1; res === undefined; attempt++) {
            try {
              res = await api.upload(`${slugPath(slug)}/submissions`, opts.file, opts.message ? { message: opts.message } : {}, (sent, total) => {
                if (!started) bar.start(Math.max(1, Math.ceil(total / 1024)), 0);
                started = true;
                bar.update(Math.ceil(sent / 1024));
              }, { 'Idempotency-Key': idempotencyKey });
            } catch (e) {
              if (attempt >= UPLOAD_ATTEMPTS || !isRetryable(e)) throw e;
              const wait = retryBaseMs * 2 ** (attempt - 1);
              err(`${(e as Error).message}; retrying in ${wait / 1000} s (attempt ${attempt + 1} of ${UPLOAD_ATTEMPTS}, same Idempotency-Key)`);
              await sleep(wait);
            }
          }
        } finally {
          if (started) bar.stop();
        }
        let sub = res.submission;
        if (!opts.json) out(`Submission #${sub.id} accepted (${sub.fileName})${sub.late ? ' as a late submission (the challenge has closed: it is scored and shown only to you, never ranked)' : ''} and queued for scoring. ${quotaLine(res.quota)}`);
        for (const w of sub.warnings ?? []) err(`warning: ${w.message}`);
        if (opts.wait) {
          const deadline = Date.now() + Number(opts.timeout) * 1000;
          let last = sub.status;
          while (sub.status === 'queued' || sub.status === 'scoring') {
            if (Date.now() > deadline) throw new CliError(`Still ${sub.status} after ${opts.timeout} s; check later with \`sift submissions ${slug}\`.`, EXIT.network);
            await sleep(500);
            sub = (await api.get<{ submission: Submission }>(`${slugPath(slug)}/submissions/${sub.id}`)).submission;
            if (sub.status !== last && !opts.json) err(`… ${sub.status}`);
            last = sub.status;
          }
        }
        if (opts.json) out(JSON.stringify({ ...res, submission: sub }, null, 2));
        if (sub.status === 'failed') throw new CliError(`Submission #${sub.id} failed: ${sub.error ?? 'unknown error'}`, EXIT.rejected);
        if (sub.status === 'scored' && !opts.json) {
          out(`Scored: public ${sub.publicHidden ? 'hidden (the public board was frozen before this submission)' : score(sub.publicScore)}${sub.privateScore != null ? `, private ${score(sub.privateScore)}` : ' (private score hidden until the challenge closes)'}.`);
        }
      }),
    );

  add('submissions <challenge>')
    .description('list your submissions to a challenge')
    .option('--json', 'print the JSON answer')
    .action(
      run(async (slug: string, opts: { json?: boolean }) => {
        const res = await client().requireToken().get<{ submissions: Submission[]; quota: Quota }>(`${slugPath(slug)}/submissions`);
        if (opts.json) return out(JSON.stringify(res, null, 2));
        out(
          table(
            ['#', 'Submitted', 'File', 'Status', 'Public', 'Private', 'Final', 'Message'],
            res.submissions.map((s) => [s.id, when(s.createdAt), s.fileName, s.status === 'failed' ? `failed: ${s.error ?? ''}` : s.late ? `${s.status} (late)` : s.status, s.publicHidden ? 'frozen' : score(s.publicScore), score(s.privateScore), s.selected ? '*' : '', s.message ?? '']),
          ),
        );
        out(quotaLine(res.quota));
      }),
    );

  add('quota <challenge>')
    .description('submissions left today and when the next slot frees')
    .action(
      run(async (slug: string) => {
        const { quota } = await client().requireToken().get<{ quota: Quota }>(`${slugPath(slug)}/quota`);
        out(quotaLine(quota));
      }),
    );

  add('leaderboard <challenge>')
    .description('show a leaderboard; --download writes it as CSV')
    .option('--private', 'the private leaderboard (after close, or for organizers)')
    .option('--download <file>', 'write the leaderboard to a CSV file')
    .option('--json', 'print the JSON answer')
    .action(
      run(async (slug: string, opts: { private?: boolean; download?: string; json?: boolean }) => {
        const res = await client().get<{ board: string; revealed: boolean; frozenAt: string | null; rows: BoardRow[] }>(`${slugPath(slug)}/leaderboard${opts.private ? '/private' : ''}`);
        if (opts.download) {
          fs.writeFileSync(
            opts.download,
            csv(
              ['rank', 'name', 'members', 'score', 'entries', 'submitted_at', 'rank_change', 'baseline', 'submission_id'],
              res.rows.map((r) => [r.rank ?? '', r.name, (r.members ?? []).join('; '), r.score, r.entries, r.createdAt, r.rankChange ?? '', r.isBaseline ? 1 : 0, r.submissionId]),
            ),
          );
          return out(`Wrote the ${res.board} leaderboard (${res.rows.length} rows) to ${opts.download}.`);
        }
        if (opts.json) return out(JSON.stringify(res, null, 2));
        if (res.frozenAt) err(`The public board is frozen: it shows submissions made up to ${when(res.frozenAt)}.`);
        out(
          table(
            ['Rank', 'Name', 'Members', 'Score', 'Entries', 'Move', 'Submitted'],
            res.rows.map((r) => [r.rank ?? '(baseline)', r.name, (r.members ?? []).join(', '), score(r.score), r.entries, r.rankChange == null ? '' : r.rankChange > 0 ? `+${r.rankChange}` : String(r.rankChange), when(r.createdAt)]),
          ),
        );
      }),
    );

  for (const c of commands) c.exitOverride(usageExit);
}
