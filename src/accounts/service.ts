import { z } from 'zod';
import type { Db } from '../db/index.js';
import { nowIso } from '../db/index.js';
import type { Role } from '../db/schema.js';
import { hashPassword, randomToken, sha256Hex, verifyPassword } from './passwords.js';
import * as repo from './repo.js';
import { UserError } from '../web/errors.js';
import { cachedSession, forgetSession, forgetUserSessions, rememberSession, type SessionRow } from './session-cache.js';

export const signUpInput = z.object({
  email: z.string().trim().toLowerCase().email('must be a valid email address').max(200),
  name: z.string().trim().min(1, 'is required').max(80),
  password: z.string().min(8, 'must be at least 8 characters').max(200),
});

/** The first account ever created becomes the admin; every later one is a participant. */
export async function signUp(db: Db, input: unknown, role?: Role): Promise<repo.User> {
  const parsed = signUpInput.safeParse(input);
  if (!parsed.success) {
    throw new UserError(400, 'invalid_signup', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  const { email, name, password } = parsed.data;
  if (await repo.findUserByEmail(db, email)) throw new UserError(409, 'email_taken', `An account with email ${email} already exists.`);
  const firstUser = (await repo.countUsers(db)) === 0;
  return repo.insertUser(db, {
    email,
    name,
    password_hash: await hashPassword(password),
    role: role ?? (firstUser ? 'admin' : 'participant'),
    created_at: nowIso(),
  });
}

export interface LoginPolicy {
  /** Attempts to one account within `windowMs`, without a successful one, before further attempts get a 429. */
  maxFailures: number;
  windowMs: number;
}

/**
 * Compared against when the email has no account, so an unknown email costs the same scrypt as a
 * wrong password and response times do not tell which emails have accounts.
 */
let dummyHash: Promise<string> | undefined;
const hashForUnknownUser = () => (dummyHash ??= hashPassword(randomToken()));

export const normalEmail = (email: string): string => email.trim().toLowerCase();

/**
 * Checks a password. Attempts are counted per account (whether or not it exists, so a 429 reveals
 * nothing either) in the database that every process shares, before the check, so parallel guesses
 * cannot overtake the count. `verify` is a seam for tests.
 */
export async function logIn(db: Db, credentials: { email: string; password: string }, policy: LoginPolicy, verify = verifyPassword): Promise<repo.User> {
  const email = normalEmail(credentials.email);
  const accountHash = sha256Hex(email);
  const now = Date.now();
  const windowStart = new Date(now - policy.windowMs).toISOString();
  const counted = await repo.countLoginAttempt(db, accountHash, new Date(now).toISOString(), windowStart);
  if (counted.attempts === 1) await repo.pruneLoginAttempts(db, windowStart);
  if (counted.attempts > policy.maxFailures) {
    const retryAfterSeconds = Math.max(1, Math.ceil((Date.parse(counted.window_started_at) + policy.windowMs - now) / 1000));
    throw new UserError(429, 'too_many_failures', `Too many failed log-ins to this account. Try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s).`, { retryAfterSeconds });
  }
  const user = await repo.findUserByEmail(db, email);
  const matches = await verify(credentials.password, user?.password_hash ?? (await hashForUnknownUser()));
  if (!user || !matches) throw new UserError(401, 'bad_credentials', 'Wrong email or password.');
  await repo.clearLoginAttempts(db, accountHash);
  return { id: user.id, email: user.email, name: user.name, role: user.role, created_at: user.created_at };
}

/** Returns the raw session token for the cookie; only its hash is stored. */
export async function startSession(db: Db, userId: number, days: number): Promise<string> {
  const token = randomToken();
  await repo.insertSession(db, {
    token_hash: sha256Hex(token),
    user_id: userId,
    csrf_token: randomToken(18),
    expires_at: new Date(Date.now() + days * 86400_000).toISOString(),
    created_at: nowIso(),
  });
  return token;
}

/** The signed-in user and the session's CSRF token; `cacheMs` > 0 lets a recent lookup answer (see session-cache.ts). */
export async function sessionUser(db: Db, token: string, cacheMs = 0): Promise<SessionRow | undefined> {
  const hash = sha256Hex(token);
  const cached = cacheMs > 0 ? cachedSession(db, hash) : undefined;
  if (cached) return cached;
  const row = await repo.findSessionUser(db, hash, nowIso());
  if (row) rememberSession(db, hash, row, cacheMs);
  return row;
}

export async function endSession(db: Db, token: string): Promise<void> {
  const hash = sha256Hex(token);
  forgetSession(db, hash);
  await repo.deleteSession(db, hash);
}

/**
 * Signs the user out on every device: all their sessions end, here and (within SESSION_CACHE_MS) in
 * other processes. API tokens are kept; they are revoked one by one on the profile page.
 */
export async function endAllSessions(db: Db, userId: number): Promise<number> {
  const ended = await repo.deleteUserSessions(db, userId);
  forgetUserSessions(db, userId);
  return ended;
}

/** On an empty database, create the admin with a one-time password (printed by the caller). */
export async function ensureAdmin(db: Db, email = 'admin@sift.local'): Promise<{ email: string; password: string } | null> {
  if ((await repo.countUsers(db)) > 0) return null;
  const password = randomToken(12);
  await signUp(db, { email, name: 'Admin', password }, 'admin');
  return { email, password };
}
