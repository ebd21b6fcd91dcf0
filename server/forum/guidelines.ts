import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMarkdown } from './markdown';

export interface Guidelines {
  html: string;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The community guidelines page, rendered once at start exactly as posts are. */
export function loadGuidelines(): Guidelines {
  return { html: renderMarkdown(fs.readFileSync(path.join(HERE, 'guidelines.md'), 'utf8')) };
}

/**
 * The privacy page members read in the app is docs/privacy.md itself, so that the page and
 * the claims its tests check are one text.
 */
export function loadPrivacy(): Guidelines {
  return { html: renderMarkdown(unwrap(fs.readFileSync(path.join(HERE, '../../docs/privacy.md'), 'utf8'))) };
}

/**
 * Posts keep a member's line breaks; a document in the repository is wrapped for its editors
 * instead. A line that goes on with its paragraph or list item joins it, while a new item,
 * heading, table row or blank line starts afresh.
 */
function unwrap(markdown: string): string {
  return markdown.replace(/([^\n])\n(?!\n|\s*[-*|#>]|\s*\d+\.)\s*/g, '$1 ');
}
