/** The table added by migration 0019 (board versions), declared here so the foundation's schema file stays as it is. */
declare module '../schema.js' {
  interface Database {
    board_versions: BoardVersionsTable;
  }
}

/** How many times a challenge's leaderboards changed: the key of every process's cached boards. */
export interface BoardVersionsTable {
  challenge_id: number;
  version: number;
}
