import type { Generated } from 'kysely';

/** Columns added by migration 0018 (late submissions), declared here so the foundation's schema file stays as it is. */
declare module '../schema.js' {
  interface ChallengesTable {
    /** 1 when uploads after the close are taken as late submissions (scored, shown to their submitter, never ranked). */
    late_submissions: Generated<number>;
  }
  interface SubmissionsTable {
    /** 1 when uploaded after the challenge closed (server clock at upload); such a row is never ranked. */
    late: Generated<number>;
  }
}
