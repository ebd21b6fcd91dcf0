import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config';

/**
 * The secret behind anonymous aliases and address hashes. SERVER_SECRET wins; otherwise
 * one is generated once into DATA_DIR (readable by this user only) and reused, so aliases
 * stay stable across restarts. Losing it changes every alias, so back it up with the data.
 */
export function resolveServerSecret(config: Pick<Config, 'serverSecret' | 'dataDir'>): string {
  if (config.serverSecret) return config.serverSecret;
  const file = path.join(config.dataDir, 'server-secret');
  fs.mkdirSync(config.dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new Error(`${file} holds a secret shorter than 32 characters`);
  return secret;
}
