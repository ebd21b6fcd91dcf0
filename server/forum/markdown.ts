import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

/**
 * Markdown → safe HTML, once, on write. markdown-it runs with raw HTML off, so any markup a
 * member types arrives as text; sanitize-html then enforces the allowlist on whatever
 * markdown-it produced, so even a parser bug cannot smuggle an element or scheme through.
 */
const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });

export const ALLOWED_TAGS = ['p', 'br', 'a', 'em', 'strong', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'del', 'h3', 'h4', 'h5', 'h6', 'hr'];
export const ALLOWED_SCHEMES = ['http', 'https', 'mailto'];
export const LINK_REL = 'nofollow noopener noreferrer ugc';
const ABSOLUTE_ALLOWED = /^(https?:\/\/[^/\\]|mailto:)/i;

// Only absolute http(s) and mailto URLs become links at all (links, autolinks, linkified
// text); anything else (relative, protocol-relative, other schemes) stays as the text typed.
md.validateLink = (url) => ABSOLUTE_ALLOWED.test(url.trim());

const options: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  allowedAttributes: { a: ['href', 'rel'] },
  allowedSchemes: ALLOWED_SCHEMES,
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Posts are plain conversation: big headings become small ones, ~~x~~ becomes <del>.
  transformTags: {
    h1: 'h3',
    h2: 'h3',
    s: 'del',
    // Every link gets the rel. Renaming a bad link to another (dropped) tag instead left
    // mismatched closing tags when it held markup, so a bad href is simply not kept: an
    // <a> without href is inert text. (validateLink above means this should not happen.)
    a: (tagName, attribs) => {
      const href = (attribs.href ?? '').trim();
      const kept: sanitizeHtml.Attributes = ABSOLUTE_ALLOWED.test(href) ? { href, rel: LINK_REL } : { rel: LINK_REL };
      return { tagName, attribs: kept };
    },
  },
};

export function sanitize(html: string): string {
  return sanitizeHtml(html, options);
}

export function renderMarkdown(markdown: string): string {
  return sanitize(md.render(markdown));
}
