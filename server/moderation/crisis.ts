import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crisisConfig, type CrisisConfig } from '../contract/moderation';

export { crisisMatcher } from '../contract/crisis-matcher';

const DEFAULT_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crisis-default.json');

/** The crisis phrases and resources: CRISIS_CONFIG's file, or the built-in default. A bad file stops the start. */
export function loadCrisisConfig(file: string | undefined): CrisisConfig {
  const source = file ?? DEFAULT_FILE;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(source, 'utf8'));
  } catch (err) {
    throw new Error(`CRISIS_CONFIG: cannot read ${source}: ${(err as Error).message}`);
  }
  const result = crisisConfig.safeParse(parsed);
  if (!result.success) throw new Error(`CRISIS_CONFIG: ${source} is not valid: ${result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return result.data;
}

