import { Option, type Command } from 'commander';
import { CliError, EXIT, type ApiClient } from './http.js';
import { client, out, run, slugPath, usageExit } from './common.js';
import { table, when } from './format.js';

/* Response shapes of the team endpoints of /api/v1 (see src/api/openapi.ts). */
interface Team { id: number; challengeId: number; name: string; members: Array<{ id: number; name: string }>; submissions: number }
interface MergeRequest { from_team_id: number; into_team_id: number; requested_by_team_id: number; from_name: string; into_name: string; created_at: string }
interface MyTeam { team: Team | null; mergeRequests: MergeRequest[]; teamSize: number; mergeDeadline: string; invites: { open: boolean; reason: string | null } | null }
interface TeamListing { id: number; name: string; members: string[] }
interface Invite { token: string; expiresAt: string; acceptPath: string }
interface InviteInfo { team: Team; challenge: { slug: string; title: string }; expiresAt: string }

const names = (t: Team) => t.members.map((m) => m.name).join(', ');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** An invitation token, from the token itself or a link that ends with it (…/teams/join/<token>, …/invites/<token>/accept). */
export function inviteToken(tokenOrLink: string): string {
  const s = tokenOrLink.trim();
  let path = s;
  if (/^https?:\/\//i.test(s)) {
    try {
      path = new URL(s).pathname;
    } catch {
      /* not a URL after all */
    }
  }
  const parts = path.split('/').filter(Boolean);
  if (parts.at(-1) === 'accept') parts.pop();
  const token = parts.at(-1) ?? '';
  if (!/^[A-Za-z0-9_-]{16,100}$/.test(token)) throw new CliError(`'${tokenOrLink}' is not an invitation token or link (expected e.g. https://sift.example.org/teams/join/<token>).`, EXIT.usage);
  return token;
}

async function myTeam(api: ApiClient, slug: string): Promise<MyTeam> {
  return api.get<MyTeam>(`${slugPath(slug)}/team`);
}

/** My team, or a usage error telling how to make one. */
async function requireTeam(api: ApiClient, slug: string): Promise<MyTeam & { team: Team }> {
  const mine = await myTeam(api, slug);
  if (!mine.team) throw new CliError(`You are not in a team in '${slug}': create one with \`sift team create ${slug} <name>\` or join one with \`sift team join <link>\`.`, EXIT.usage);
  return mine as MyTeam & { team: Team };
}

/** Another team of the challenge, by exact name, else name ignoring case, else id. */
async function findTeam(api: ApiClient, slug: string, nameOrId: string): Promise<TeamListing> {
  const { teams } = await api.get<{ teams: TeamListing[] }>(`${slugPath(slug)}/teams`);
  const wanted = nameOrId.trim();
  const found =
    teams.find((t) => t.name === wanted) ??
    teams.filter((t) => t.name.toLowerCase() === wanted.toLowerCase()).at(0) ??
    (/^\d+$/.test(wanted) ? teams.find((t) => t.id === Number(wanted)) : undefined);
  if (!found) {
    const known = teams.length ? ` Teams: ${teams.map((t) => `'${t.name}'`).join(', ')}.` : ' It has no teams yet.';
    throw new CliError(`No team '${wanted}' in '${slug}'.${known}`, EXIT.usage);
  }
  return found;
}

function describeTeam(slug: string, m: MyTeam & { team: Team }): string {
  const t = m.team;
  const lines = [
    `Team ${t.name} (#${t.id}) in ${slug}`,
    `Members (${t.members.length} of at most ${m.teamSize}): ${names(t)}`,
    `Submissions: ${t.submissions} (the team shares one daily limit and one set of final selections)`,
    m.invites?.open
      ? `Invitations: open until ${when(m.mergeDeadline)}; create a link with \`sift team invite ${slug}\``
      : `Invitations: closed${m.invites?.reason ? ` (${m.invites.reason})` : ''}`,
  ];
  if (!m.mergeRequests.length) lines.push('Merge requests: none pending');
  else {
    lines.push('Merge requests:');
    lines.push(
      table(
        ['Merge', 'Asked by', 'Since'],
        m.mergeRequests.map((r) => [`${r.from_name} → ${r.into_name}`, r.requested_by_team_id === t.id ? 'your team (withdraw: --cancel)' : 'the other team', when(r.created_at)]),
      )
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
  return lines.join('\n');
}

export function registerTeamCommands(program: Command): void {
  const team = program
    .command('team')
    .description('your team in a challenge: show it (default), create, invite, join, leave, merge')
    .exitOverride(usageExit);
  const sub = (spec: string, opts?: { isDefault?: boolean }) => team.command(spec, opts).exitOverride(usageExit);

  sub('show <challenge>', { isDefault: true })
    .description('show your team: members, invitations, pending merge requests (also: sift team <challenge>)')
    .option('--json', 'print the JSON answer')
    .action(
      run(async (slug: string, opts: { json?: boolean }) => {
        const mine = await myTeam(client().requireToken(), slug);
        if (opts.json) return out(JSON.stringify(mine, null, 2));
        if (!mine.team) return out(`You compete alone in ${slug}. Create a team with \`sift team create ${slug} <name>\` (at most ${mine.teamSize} members), or join one with \`sift team join <link>\`.`);
        out(describeTeam(slug, mine as MyTeam & { team: Team }));
      }),
    );

  sub('list <challenge>')
    .description('list the teams of a challenge')
    .option('--json', 'print the JSON answer')
    .action(
      run(async (slug: string, opts: { json?: boolean }) => {
        const { teams } = await client().get<{ teams: TeamListing[] }>(`${slugPath(slug)}/teams`);
        if (opts.json) return out(JSON.stringify(teams, null, 2));
        out(table(['Id', 'Team', 'Members'], teams.map((t) => [t.id, t.name, t.members.join(', ')])));
      }),
    );

  sub('create <challenge> <name>')
    .description('create a team with you as its first member (your earlier submissions become the team\'s)')
    .option('--json', 'print the JSON answer')
    .action(
      run(async (slug: string, name: string, opts: { json?: boolean }) => {
        const { team: t } = await client().requireToken().request<{ team: Team }>('POST', `${slugPath(slug)}/team`, { body: { name } });
        if (opts.json) return out(JSON.stringify({ team: t }, null, 2));
        const moved = t.submissions ? `; ${plural(t.submissions, 'earlier submission')} now belong${t.submissions === 1 ? 's' : ''} to it` : '';
        out(`Created team ${t.name} (#${t.id}) in ${slug}${moved}. Invite others with \`sift team invite ${slug}\`.`);
      }),
    );

  sub('invite <challenge>')
    .description('create an invitation link for your team (valid 7 days; shown once)')
    .option('--json', 'print the JSON answer')
    .action(
      run(async (slug: string, opts: { json?: boolean }) => {
        const api = client().requireToken();
        const invite = await api.request<Invite>('POST', `${slugPath(slug)}/team/invites`);
        const link = `${api.server}/teams/join/${invite.token}`;
        if (opts.json) return out(JSON.stringify({ ...invite, link }, null, 2));
        out(`Invitation link (valid until ${when(invite.expiresAt)}; send it to whoever you invite, it is shown only once):`);
        out(`  ${link}`);
        out(`They open it in a browser, or run: sift team join ${invite.token}`);
      }),
    );

  sub('join <token-or-link>')
    .description('join a team with an invitation token or link (your earlier submissions in the challenge move to the team)')
    .option('--json', 'print the JSON answer')
    .action(
      run(async (tokenOrLink: string, opts: { json?: boolean }) => {
        const token = inviteToken(tokenOrLink);
        const api = client().requireToken();
        const info = await api.get<InviteInfo>(`/api/v1/invites/${token}`);
        const { team: t } = await api.request<{ team: Team }>('POST', `/api/v1/invites/${token}/accept`);
        if (opts.json) return out(JSON.stringify({ team: t, challenge: info.challenge }, null, 2));
        out(`Joined team ${t.name} (#${t.id}) in ${info.challenge.slug} (${info.challenge.title}). Members: ${names(t)}. Your earlier submissions there now belong to the team, which shares one daily limit.`);
      }),
    );

  sub('leave <challenge>')
    .description('leave your team (not once you have submitted for it; a team left empty is deleted)')
    .action(
      run(async (slug: string) => {
        const api = client().requireToken();
        const { team: t } = await requireTeam(api, slug);
        await api.request<{ team: null }>('POST', `${slugPath(slug)}/team/leave`);
        out(`You left team ${t.name} in ${slug}${t.members.length === 1 ? '; it had no other member, so it was deleted' : ''}. You compete alone again.`);
      }),
    );

  sub('merge <challenge> <other-team>')
    .description('ask to merge with another team (by name or id), agree to the merge it asked for, or withdraw your request (--cancel)')
    .addHelpText(
      'after',
      '\nBoth teams must ask for the same merge. By default your team joins theirs (theirs keeps its name); --into mine makes theirs join yours.\n' +
        'Running it for a team that already asked agrees to its request as asked. Until the other team agrees, --cancel withdraws your request.',
    )
    .addOption(new Option('--into <which>', 'which team remains: theirs or mine (default: the direction the other team asked for, else theirs)').choices(['theirs', 'mine']))
    .option('--cancel', 'withdraw the merge request your team made with the other team')
    .option('--json', 'print the JSON answer')
    .action(
      run(async (slug: string, otherName: string, opts: { into?: 'theirs' | 'mine'; cancel?: boolean; json?: boolean }) => {
        const api = client().requireToken();
        const mine = await requireTeam(api, slug);
        const other = await findTeam(api, slug, otherName);
        if (other.id === mine.team.id) throw new CliError(`'${other.name}' is your own team.`, EXIT.usage);
        const involves = (r: MergeRequest) => (r.from_team_id === mine.team.id && r.into_team_id === other.id) || (r.from_team_id === other.id && r.into_team_id === mine.team.id);

        if (opts.cancel) {
          if (opts.into) throw new CliError('--cancel and --into do not go together: --cancel withdraws the request your team made, whichever way it goes.', EXIT.usage);
          const pending = mine.mergeRequests.find((r) => involves(r) && r.requested_by_team_id === mine.team.id);
          if (!pending) throw new CliError(`Your team has no pending merge request with '${other.name}'.`, EXIT.usage);
          const res = await api.request<{ status: 'cancelled'; team: Team }>('POST', `${slugPath(slug)}/team/merges/cancel`, { body: { fromTeamId: pending.from_team_id, intoTeamId: pending.into_team_id } });
          if (opts.json) return out(JSON.stringify(res, null, 2));
          return out(`Withdrew the request to merge ${pending.from_name} into ${pending.into_name}.`);
        }

        // Agreeing to the other team's request means asking for the same merge, in the same direction.
        const theirs = mine.mergeRequests.find((r) => involves(r) && r.requested_by_team_id === other.id);
        const into = opts.into ?? (theirs ? (theirs.into_team_id === mine.team.id ? 'mine' : 'theirs') : 'theirs');
        const [fromTeamId, intoTeamId] = into === 'mine' ? [other.id, mine.team.id] : [mine.team.id, other.id];
        const res = await api.request<{ status: 'requested' | 'merged'; team: Team }>('POST', `${slugPath(slug)}/team/merges`, { body: { fromTeamId, intoTeamId } });
        if (opts.json) return out(JSON.stringify(res, null, 2));
        const [fromName, intoName] = into === 'mine' ? [other.name, mine.team.name] : [mine.team.name, other.name];
        if (res.status === 'merged') return out(`Merged ${fromName} into ${intoName}. Members: ${names(res.team)}; ${plural(res.team.submissions, 'submission')}.`);
        out(
          `Asked to merge ${fromName} into ${intoName}. It happens when a member of ${other.name} agrees with ` +
            `\`sift team merge ${slug} '${mine.team.name}'\`; withdraw it with \`sift team merge ${slug} '${other.name}' --cancel\`.`,
        );
      }),
    );
}
