import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderMarkdown, sanitize } from '../../server/forum/markdown';
import { allowlistViolations } from '../helpers/html-allowlist';
import { ADVISORY_VECTORS, allXssInputs } from '../helpers/xss-vectors';

const markdownish = fc.stringMatching(/^[\s\S]*$/).chain((free) =>
  fc
    .array(
      fc.constantFrom('*', '_', '[', ']', '(', ')', '<', '>', '`', '#', '-', '~~', '\n', '\n\n', '> ', '1. ', 'http://', 'https://x.example/', 'javascript:', 'mailto:', '&', '&#', ';', '"', "'", '=', 'script', 'img', 'svg', 'onerror', free),
      { maxLength: 40 },
    )
    .map((parts) => parts.join('')),
);

describe('rendering posts', () => {
  it('keeps the allowed elements and gives links the rel', () => {
    const html = renderMarkdown('# Day 1\n\n**strong** *em* `code` ~~old~~\n\n> quoted\n\n- a\n1. b\n\n---\n\n[link](https://example.org) <mailto:x@example.org>\n\n```\npre\n```');
    expect(allowlistViolations(html)).toEqual([]);
    for (const tag of ['h3', 'strong', 'em', 'code', 'del', 'blockquote', 'ul', 'ol', 'li', 'hr', 'a', 'pre']) expect(html).toContain(`<${tag}`);
    expect(html).toContain('rel="nofollow noopener noreferrer ugc"');
  });

  it('lets nothing outside the allowlist through, for every XSS vector', () => {
    // The checker itself catches what it must.
    expect(allowlistViolations('<img src=x onerror=alert(1)>')).not.toEqual([]);
    expect(allowlistViolations('<a href="javascript:alert(1)" rel="nofollow noopener noreferrer ugc">x</a>')).not.toEqual([]);
    expect(allowlistViolations('<a href="//evil.example" rel="nofollow noopener noreferrer ugc">x</a>')).not.toEqual([]);
    expect(allowlistViolations('<p onclick="x">y</p>')).not.toEqual([]);
    const inputs = allXssInputs();
    expect(inputs.length).toBeGreaterThan(ADVISORY_VECTORS.length);
    for (const input of inputs) expect(allowlistViolations(renderMarkdown(input)), input).toEqual([]);
  });

  it('never leaves mismatched tags when a link is refused (found by the property below)', () => {
    for (const input of ['<http://>*>*', '[a *b*](/rel)', '[*x*](//evil.example)']) {
      const html = renderMarkdown(input);
      expect(sanitize(html)).toBe(html);
      expect(html).not.toContain('</span>');
    }
  });

  it('is idempotent: sanitizing its own output changes nothing (property)', () => {
    fc.assert(
      fc.property(markdownish, (input) => {
        const html = renderMarkdown(input);
        expect(sanitize(html)).toBe(html);
        expect(allowlistViolations(html)).toEqual([]);
      }),
      { numRuns: 2_000 },
    );
  });
});
