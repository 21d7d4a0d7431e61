/** What every `sift` client command shares: output, the API client, error handling and exit codes. */
import type { CommanderError } from 'commander';
import { ApiClient, CliError, EXIT } from './http.js';
import { resolveCredentials } from './credentials.js';
import { table, when } from './format.js';

/* Response shapes of /api/v1 used by several commands (see src/api/openapi.ts). */
export interface Quota { limit: number; used: number; left: number; nextSlotAt: string }
export interface Issue { line: number | null; column: string | null; value: string | null; code: string; message: string }

export const out = (s: string): void => void process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
export const err = (s: string): void => void process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);

export function client(): ApiClient {
  const { server, token } = resolveCredentials();
  return new ApiClient(server, token);
}

export const slugPath = (slug: string) => `/api/v1/challenges/${encodeURIComponent(slug)}`;

function issuesTable(issues: Issue[]): string {
  // The whole message, wrapped to the terminal (100 columns when not a terminal), never cut.
  return table(['Line', 'Column', 'Value', 'Problem'], issues.map((i) => [i.line ?? '', i.column ?? '', i.value ?? '', i.message]), { wrapLastTo: process.stderr.columns || 100 });
}

export function quotaLine(q: Quota): string {
  return `Submissions left today: ${q.left} of ${q.limit} (UTC day)${q.left === 0 ? `; the next slot frees at ${when(q.nextSlotAt)}` : ''}.`;
}

/** Runs an action, turning a CliError into its message and exit code. */
export function run<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      if (e instanceof CliError) {
        err(`Error${e.code ? ` (${e.code})` : ''}: ${e.message}`);
        const issues = e.details.errors as Issue[] | undefined;
        if (Array.isArray(issues) && issues.length) {
          err(issuesTable(issues));
          const total = Number(e.details.totalErrors ?? issues.length);
          err(`Showing ${issues.length} of ${total} problem${total === 1 ? '' : 's'}. Nothing was stored and no daily slot was used.`);
        }
        const q = e.details.quota as Quota | undefined;
        if (q && typeof q === 'object') err(quotaLine(q));
        process.exitCode = e.exitCode;
        return;
      }
      err(`Error: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = EXIT.network;
    }
  };
}

/** Usage errors (unknown option, missing argument) exit 2; --help and --version exit 0. */
export const usageExit = (e: CommanderError) => process.exit(e.exitCode === 0 ? 0 : EXIT.usage);
