/**
 * Leaderboards computed once, not on every read (issue 13). A board's rows depend on two things:
 *
 * - the challenge row and the clock (its settings, its freeze, its phase: the close happens by the
 *   clock, so a board cached while open is keyed by the phase and never served after the close).
 *   Every request reads its challenge anyway (a decoded copy checked against the row's revision), so
 *   these go into the key: its settings' hash, once per revision, and its phase now;
 * - the submissions, teams and members behind the rows. Every write that changes those bumps the
 *   challenge's counter in board_versions (bumpBoardVersion) in the write's own transaction: a reader
 *   sees the new rows and the new counter together, never one without the other. A request reads
 *   that counter (one primary-key read) before using what this process cached. The writes: a
 *   scored or failed submission (re-scores included), a final selection, a team created, joined,
 *   left or merged. Settings, freeze, unfreeze and close are in the challenge row.
 *
 * So any number of processes sharing one database serve the board of the last committed change.
 */
import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import { reusableQuery } from '../db/compiled.js';
import type { Challenge } from '../challenges/repo.js';
import { phase } from '../challenges/service.js';

/** Marks every board of a challenge as changed: call it in the transaction of the write that changes them. */
export async function bumpBoardVersion(db: Db, challengeId: number): Promise<void> {
  await db
    .insertInto('board_versions')
    .values({ challenge_id: challengeId, version: 1 })
    .onConflict((oc) => oc.column('challenge_id').doUpdateSet({ version: sql<number>`board_versions.version + 1` }))
    .execute();
}

const boardVersionRow = reusableQuery((db, _shape, challengeId: number) => db.selectFrom('board_versions').select('version').where('challenge_id', '=', challengeId));

async function boardVersion(db: Db, challengeId: number): Promise<number> {
  const [row] = await boardVersionRow(db, '', challengeId);
  return row ? Number(row.version) : 0;
}

/**
 * The hash of a challenge's settings, per challenge object: findChallengeBySlug hands every request
 * the same frozen object until the row changes, so a row is hashed once, not on every read. A copy
 * changed in memory (as tests make) is another object, with its own hash.
 */
const settingsHashes = new WeakMap<Challenge, string>();

function settingsHash(c: Challenge): string {
  let hash = settingsHashes.get(c);
  if (hash === undefined) {
    // The long texts no board shows are left out.
    const { description_md: _description, citation: _citation, ...boardInputs } = c;
    hash = crypto.createHash('sha1').update(JSON.stringify(boardInputs)).digest('base64url').slice(0, 16);
    if (Object.isFrozen(c)) settingsHashes.set(c, hash);
  }
  return hash;
}

/** What a challenge's boards are computed from, as one short string: its counter, its row and its phase now. */
function stampOf(c: Challenge, version: number, now: Date): string {
  return `${c.id}.${version}.${settingsHash(c)}.${phase(c, now)}`;
}

interface Entry {
  stamp: string;
  /** The boards' rows and whole JSON: a few per challenge. */
  shared: Map<string, Promise<unknown>>;
  /** Parts with many variants (per viewer, per JSON page, per minute): bounded, oldest out first. */
  many: Map<string, Promise<unknown>>;
}

/** Per database (each app's handle), per challenge: the parts computed at the latest stamp seen. */
const cached = new WeakMap<Db, Map<number, Entry>>();

/** Parts with many variants kept per challenge; beyond it the oldest goes. */
const MAX_MANY_PARTS = 500;

export interface BoardSnapshot {
  /** Changes whenever any board of the challenge may have changed; the base of the boards' ETags. */
  stamp: string;
  /**
   * The part named `name` of the challenge's boards, computed once per stamp (concurrent readers wait
   * for the same computation). Of `bounded` parts (many variants), only the latest MAX_MANY_PARTS are kept.
   */
  memo<T>(name: string, compute: () => Promise<T>, opts?: { bounded?: boolean }): Promise<T>;
}

/** The challenge's boards as of now: one read of its counter, then whatever this process has computed since. */
export async function boardSnapshot(db: Db, c: Challenge, now = new Date()): Promise<BoardSnapshot> {
  const stamp = stampOf(c, await boardVersion(db, c.id), now);
  let perChallenge = cached.get(db);
  if (!perChallenge) cached.set(db, (perChallenge = new Map()));
  let entry = perChallenge.get(c.id);
  if (!entry || entry.stamp !== stamp) perChallenge.set(c.id, (entry = { stamp, shared: new Map(), many: new Map() }));
  const current = entry;
  return {
    stamp,
    memo<T>(name: string, compute: () => Promise<T>, opts: { bounded?: boolean } = {}): Promise<T> {
      const parts = opts.bounded ? current.many : current.shared;
      let part = parts.get(name) as Promise<T> | undefined;
      if (!part) {
        if (opts.bounded && parts.size >= MAX_MANY_PARTS) parts.delete(parts.keys().next().value!);
        part = compute();
        parts.set(name, part);
        // A failed computation is not kept: the next reader tries again.
        part.catch(() => parts.get(name) === part && parts.delete(name));
      }
      return part;
    },
  };
}

/** A strong ETag: the same stamp and variant always mean the same bytes. */
export const boardEtag = (stamp: string, variant: string): string => `"${stamp}.${crypto.createHash('sha1').update(variant).digest('base64url').slice(0, 12)}"`;
