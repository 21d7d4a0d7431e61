/** Table types for crowd workflows, subjects, votes, volunteer stats, comments (issue 5). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CrowdTables {}
