import crypto from 'node:crypto';
import type { Db } from '../db/index.js';

/** What a serve token proves: this subject was served to this voter at this time. */
export interface ServeClaim {
  voter: string;
  workflowId: number;
  subjectId: number;
  servedAt: number;
  /** Entropy routing chose the subject (signed, so the vote records it as served; absent in older tokens: false). */
  routed?: boolean;
}

/** The HMAC secret: CROWD_SECRET, or one generated once and kept in crowd_settings (shared by every process). */
export async function tokenSecret(db: Db, configured?: string): Promise<Buffer> {
  if (configured) return Buffer.from(configured);
  const fresh = crypto.randomBytes(32).toString('base64url');
  await db.insertInto('crowd_settings').values({ key: 'token_secret', value: fresh }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const row = await db.selectFrom('crowd_settings').select('value').where('key', '=', 'token_secret').executeTakeFirstOrThrow();
  return Buffer.from(row.value);
}

const mac = (secret: Buffer, body: string) => crypto.createHmac('sha256', secret).update(body).digest('base64url');

export function signServe(secret: Buffer, c: ServeClaim): string {
  const body = Buffer.from(JSON.stringify([c.voter, c.workflowId, c.subjectId, c.servedAt, ...(c.routed ? [1] : [])])).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

/** The claim of a genuine token, or null for a forged, altered or malformed one. */
export function verifyServe(secret: Buffer, token: unknown): ServeClaim | null {
  if (typeof token !== 'string' || token.length > 600) return null;
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined) return null;
  const expected = Buffer.from(mac(secret, body));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return null;
  try {
    const [voter, workflowId, subjectId, servedAt, routed] = JSON.parse(Buffer.from(body, 'base64url').toString());
    if (typeof voter !== 'string' || !Number.isInteger(workflowId) || !Number.isInteger(subjectId) || !Number.isFinite(servedAt)) return null;
    return { voter, workflowId, subjectId, servedAt, routed: routed === 1 };
  } catch {
    return null;
  }
}

export const hashIp = (secret: Buffer, ip: string | undefined): string => crypto.createHmac('sha256', secret).update(`ip:${ip ?? ''}`).digest('hex').slice(0, 16);
