import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Credentials {
  server: string;
  token: string;
}

export const DEFAULT_SERVER = 'http://localhost:3000';

/** `$XDG_CONFIG_HOME/sift/credentials.json`, else `~/.config/sift/credentials.json` ($HOME first, so tests can redirect it). */
export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  const configHome = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(configHome, 'sift', 'credentials.json');
}

export function readCredentials(env: NodeJS.ProcessEnv = process.env): Partial<Credentials> {
  try {
    const raw = JSON.parse(fs.readFileSync(credentialsFile(env), 'utf8'));
    return { server: typeof raw.server === 'string' ? raw.server : undefined, token: typeof raw.token === 'string' ? raw.token : undefined };
  } catch {
    return {};
  }
}

/** Writes the credentials readable by the owner only (directory 700, file 600). */
export function writeCredentials(c: Credentials, env: NodeJS.ProcessEnv = process.env): string {
  const file = credentialsFile(env);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ server: c.server, token: c.token }, null, 2) + '\n', { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
  return file;
}

export function removeCredentials(env: NodeJS.ProcessEnv = process.env): boolean {
  const file = credentialsFile(env);
  if (!fs.existsSync(file)) return false;
  fs.rmSync(file);
  return true;
}

/** SIFT_SERVER and SIFT_TOKEN override the stored credentials. */
export function resolveCredentials(env: NodeJS.ProcessEnv = process.env): { server: string; token?: string } {
  const stored = readCredentials(env);
  return { server: normalizeServer(env.SIFT_SERVER || stored.server || DEFAULT_SERVER), token: env.SIFT_TOKEN || stored.token };
}

export const normalizeServer = (s: string): string => s.trim().replace(/\/+$/, '');
