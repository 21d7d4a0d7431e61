/**
 * Boards over HTTP, shared by the web routes (page and JSON) and the API: conditional requests
 * with a strong ETag from the board's stamp (cache.ts), and paging of the JSON rows.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../app.js';
import type { Challenge } from '../challenges/repo.js';
import { parseInput } from '../web/validate.js';
import { boardEtag, boardSnapshot, type BoardSnapshot } from './cache.js';
import { boardView, checkBoardAccess, type Board } from './service.js';

/** The largest page of rows a JSON read returns. */
export const MAX_PER_PAGE = 1000;

const pageNumber = (what: string, max: number) => z.coerce.number({ error: `must be a whole number from 1 to ${max}` }).int(`must be a whole number from 1 to ${max}`).min(1, `must be a whole number from 1 to ${max}`).max(max, `must be a whole number from 1 to ${max}`).describe(what);

/** `?page=` (1-based, 100 rows unless `per_page`) and `?per_page=`; neither: every row, as before paging existed. */
export const boardPagingQuery = z.object({ page: pageNumber('page', 1_000_000).optional(), per_page: pageNumber('per_page', MAX_PER_PAGE).optional() });

export const DEFAULT_PER_PAGE = 100;

/**
 * Sets the ETag and answers 304 when the client's copy (If-None-Match) is current. Boards revalidate
 * on every use (no-cache): they change with each scored submission.
 */
export function notModified(req: Request, res: Response, etag: string, varies: string): boolean {
  res.set('ETag', etag);
  res.set('Cache-Control', 'private, no-cache');
  res.vary(varies);
  if (!req.fresh) return false;
  res.status(304).end();
  return true;
}

/** Access first (a 403 never becomes a 304), then the snapshot the ETag and the body both come from. */
export async function boardRead(ctx: AppContext, req: Request, c: Challenge, which: Board): Promise<BoardSnapshot> {
  const snapshot = await boardSnapshot(ctx.db.db, c);
  await checkBoardAccess(ctx.db.db, c, which, req.user);
  return snapshot;
}

const gzip = promisify(zlib.gzip);

/**
 * A board as JSON (the API's and the web's JSON alike), paged when asked, with ETag and 304; gzipped
 * for clients that accept it (a full board of 1,000 entrants is about ten times smaller), once per
 * change like the JSON itself. Each encoding has its own strong ETag.
 */
export async function sendBoardJson(ctx: AppContext, req: Request, res: Response, c: Challenge, which: Board, varies: string): Promise<void> {
  const q = parseInput(boardPagingQuery, req.query, 'query');
  const perPage = q.per_page ?? (q.page !== undefined ? DEFAULT_PER_PAGE : undefined);
  const snapshot = await boardRead(ctx, req, c, which);
  const gzipped = req.acceptsEncodings('gzip', 'identity') === 'gzip';
  const variant = `json:${which}:${q.page ?? ''}:${perPage ?? ''}`;
  if (notModified(req, res, boardEtag(snapshot.stamp, gzipped ? `${variant}:gzip` : variant), `${varies}, Accept-Encoding`)) return;
  // The same bytes for every reader allowed to see this board (access was checked above): serialized once per change.
  const bounded = { bounded: perPage !== undefined };
  const body = () => boardView(ctx.db.db, c, which, req.user, { snapshot, page: q.page, perPage }).then((view) => Buffer.from(JSON.stringify(view)));
  if (!gzipped) return void res.type('json').send(await snapshot.memo(variant, body, bounded));
  const compressed = () => snapshot.memo(variant, body, bounded).then((plain) => gzip(plain, { level: 6 }));
  res.set('Content-Encoding', 'gzip');
  res.type('json').send(await snapshot.memo(`${variant}:gzip`, compressed, bounded));
}
