import { Router, type Request } from 'express';
import type { Challenge } from '../challenges/repo.js';
import { publicDataFileInfo, publicDataFiles } from '../challenges/data-files.js';
import type { ObjectStorage } from '../storage/index.js';
import { UserError } from '../web/errors.js';
import { sendStoredFile } from '../web/stored-file.js';

const dataPath = (c: Challenge, name: string) => `/api/v1/challenges/${c.slug}/data/${encodeURIComponent(name)}`;

/**
 * A challenge's public data files over the token API: the list with sizes and sha256, and each
 * file's bytes. The same access as the overview's download links (whoever can see the challenge),
 * and the same files: training, test and sample submission, never the solution.
 */
export function dataRoutes(storage: ObjectStorage, challengeOf: (req: Request) => Promise<Challenge>): Router {
  const r = Router();

  r.get('/challenges/:slug/data', async (req, res) => {
    const c = await challengeOf(req);
    const files = await publicDataFileInfo(storage, c);
    res.json({ files: files.map((f) => ({ ...f, url: dataPath(c, f.name) })) });
  });

  r.get('/challenges/:slug/data/:file', async (req, res) => {
    const c = await challengeOf(req);
    const name = String(req.params.file);
    const files = publicDataFiles(c);
    const file = files.find((f) => f.name === name);
    // Only listed names are served: the solution and any ../ trick are simply not in the list.
    if (!file) {
      const available = files.map((f) => f.name);
      throw new UserError(404, 'unknown_file', `No data file '${name}' in challenge '${c.slug}'. Available: ${available.join(', ')}.`, { file: name, available });
    }
    await sendStoredFile(res, storage, file.key, file.name);
  });
  return r;
}
