import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMarkdown } from './markdown';

export interface Guidelines {
  html: string;
}

const FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'guidelines.md');

/** The community guidelines page, rendered once at start exactly as posts are. */
export function loadGuidelines(): Guidelines {
  return { html: renderMarkdown(fs.readFileSync(FILE, 'utf8')) };
}
