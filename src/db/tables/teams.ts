/** Table types for teams, team members, invitations, API tokens, organizer roles (issue 3). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TeamTables {}
