/** Table types for personal API tokens (issue 3). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ApiTables {}
