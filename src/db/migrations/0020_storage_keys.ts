import type { Kysely, Migration } from 'kysely';

/**
 * The database stores storage keys, never absolute paths (issue 13 §4): a challenge's folder was the
 * absolute path of its copy, …/challenges/<slug>, on the machine that imported it; it becomes the
 * key prefix challenges/<slug> that every process resolves through its own storage. Submission
 * file paths were already relative to DATA_DIR, which is their key. A row whose folder is already
 * a key is left as it is.
 */
export function storageKeys(): Migration {
  return {
    async up(db: Kysely<any>) {
      const rows = (await db.selectFrom('challenges').select(['id', 'folder']).execute()) as Array<{ id: number; folder: string }>;
      for (const row of rows) {
        const key = folderKeyOf(row.folder);
        if (key !== row.folder) await db.updateTable('challenges').set({ folder: key }).where('id', '=', row.id).execute();
      }
    },
  };
}

/** challenges/<slug> from an absolute folder path (POSIX or Windows separators), or the value when it is a key already. */
export function folderKeyOf(folder: string): string {
  const parts = folder.split(/[\\/]+/).filter(Boolean);
  if (!folder.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(folder) && !folder.startsWith('\\')) return parts.join('/');
  const at = parts.lastIndexOf('challenges');
  if (at < 0 || at !== parts.length - 2) throw new Error(`challenge folder '${folder}' is not …/challenges/<slug>: move its files under DATA_DIR/challenges/ and set the row's folder to challenges/<slug>`);
  return `challenges/${parts[at + 1]}`;
}
