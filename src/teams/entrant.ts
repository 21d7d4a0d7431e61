/** Who a quota and a leaderboard row belong to: the team when there is one, else the user. */
export const entrantKey = (userId: number, teamId: number | null): string => (teamId ? `t:${teamId}` : `u:${userId}`);
