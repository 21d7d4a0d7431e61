/** Table types for baseline models and training runs (issue 4). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface BaselineTables {}
