/**
 * The one place that spells out where each kind of file lives in storage. Everything else asks for
 * a key here instead of joining paths itself.
 */
import { assertKey } from './storage.js';

/** An upload being received or validated, before it is accepted. */
export const uploadKey = (name: string): string => assertKey(`uploads/${name}`);

/** An accepted submission file, named by its content so a retried upload lands on the same key. */
export const submissionFileKey = (challengeId: number, sha256: string, gzipped: boolean): string =>
  assertKey(`submissions/${challengeId}/${sha256}${gzipped ? '.csv.gz' : '.csv'}`);

/** A challenge's own files: challenge.yaml, train, test, solution, sample submission, field guide. */
export const challengeFileKey = (slug: string, file: string): string => assertKey(`challenges/${slug}/${file}`);

/** A file of a challenge, by the key prefix its row records (challenges.folder). */
export const fileKeyIn = (folderKey: string, file: string): string => assertKey(`${folderKey}/${file}`);

/** The key prefix (without the trailing '/') that a challenge's row records as its folder. */
export const challengeFolderKey = (slug: string): string => assertKey(`challenges/${slug}`);

/** The prefix under which one challenge's files live. */
export const challengePrefix = (slug: string): string => `${assertKey(`challenges/${slug}`)}/`;

/** The folder of a challenge's trained baseline, as a prefix for localDir and publishLocalDir. */
export const baselineFolderKey = (slug: string): string => assertKey(`baselines/${slug}`);

/** The folder of a challenge's baselines retrained with the crowd's labels. */
export const crowdBaselineFolderKey = (slug: string): string => assertKey(`baselines-crowd/${slug}`);

/** A trained baseline's files (model, record, out-of-fold predictions). */
export const baselineFileKey = (slug: string, file: string): string => assertKey(`baselines/${slug}/${file}`);

/** A baseline retrained with the crowd's labels. */
export const crowdBaselineFileKey = (slug: string, file: string): string => assertKey(`baselines-crowd/${slug}/${file}`);
