import { Router } from 'express';
import type { AppContext } from '../app.js';
import { UserError } from '../web/errors.js';
import { renderMarkdown } from '../web/render.js';
import { wantsJson } from '../web/middleware.js';
import { listChallenges } from './repo.js';
import { quota } from '../submissions/service.js';
import { canOrganize } from './organizers.js';
import { citationBlock } from '../organizers/citation.js';
import { challengeFromParams, publicChallenge, downloadNames, openData } from './visibility.js';
import { dataDictionary, dictionaryView } from './data-dictionary.js';
import { challengeCards } from './listing.js';
import { fileKeyIn } from '../storage/index.js';
import { sendStoredFile } from '../web/stored-file.js';

/** How long the overview waits for a data file's first summary before it answers with "being computed" and reloads. */
const DICTIONARY_WAIT_MS = 1500;

export function challengeRoutes(ctx: AppContext): Router {
  const r = Router();

  r.get('/', async (req, res) => {
    if (wantsJson(req)) return res.json({ challenges: (await listChallenges(ctx.db.db)).map(publicChallenge) });
    res.render('challenges', { title: 'Challenges', challenges: await challengeCards(ctx.db.db) });
  });
  r.get('/challenges', (_req, res) => res.redirect(301, '/'));

  r.get('/challenges/:slug', async (req, res) => {
    const c = await challengeFromParams(ctx, req);
    const q = req.user ? await quota(ctx.db.db, c, req.user.id) : null;
    if (wantsJson(req)) return res.json({ challenge: publicChallenge(c), quota: q });
    const dataFiles = dictionaryView(await dataDictionary(ctx.storage, c, DICTIONARY_WAIT_MS));
    res.render('challenge', {
      title: c.title,
      challenge: publicChallenge(c),
      description: renderMarkdown(c.description_md),
      citation: c.citation,
      openData: openData(c) ? await citationBlock(ctx.db.db, c, `${req.protocol}://${req.get('host')}/challenges/${c.slug}`) : null,
      isOrganizer: await canOrganize(ctx.db.db, req.user, c),
      downloads: downloadNames(c).map((name) => ({ name, href: `/challenges/${c.slug}/data/${name}`, size: dataFiles.find((f) => f.name === name)?.size ?? null })),
      dataFiles,
      dataPending: dataFiles.some((f) => f.pending),
      quota: q,
      tab: 'overview',
    });
  });

  r.get('/challenges/:slug/data/:file', async (req, res) => {
    const c = await challengeFromParams(ctx, req);
    const name = String(req.params.file);
    // Only the listed names are served: the solution, and any ../ trick, are simply not in the list.
    if (!downloadNames(c).includes(name)) throw new UserError(404, 'not_found', `No downloadable file '${name}' in this challenge.`);
    await sendStoredFile(res, ctx.storage, fileKeyIn(c.folder_key, name), name);
  });
  return r;
}
