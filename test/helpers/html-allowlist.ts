import { parseDocument } from 'htmlparser2';
import { ALLOWED_TAGS, LINK_REL } from '../../server/forum/markdown';

interface Node {
  type: string;
  name?: string;
  attribs?: Record<string, string>;
  children?: Node[];
}

/**
 * Parses HTML (as a browser-grade tokenizer would, not with a regex) and lists every
 * element, attribute or URL scheme outside the post allowlist.
 */
export function allowlistViolations(html: string): string[] {
  const problems: string[] = [];
  const walk = (node: Node) => {
    if (node.type === 'tag' || node.type === 'script' || node.type === 'style') {
      const name = node.name ?? '';
      if (!ALLOWED_TAGS.includes(name)) problems.push(`element <${name}>`);
      for (const [attr, value] of Object.entries(node.attribs ?? {})) {
        if (name === 'a' && attr === 'href') {
          if (!/^(https?:\/\/[^/\\]|mailto:)/i.test(value)) problems.push(`href ${value}`);
        } else if (name === 'a' && attr === 'rel') {
          if (value !== LINK_REL) problems.push(`rel ${value}`);
        } else {
          problems.push(`attribute ${attr} on <${name}>`);
        }
      }
      if (name === 'a' && node.attribs?.rel !== LINK_REL) problems.push('link without rel');
    }
    if (node.type === 'cdata' || node.type === 'directive') problems.push(node.type);
    node.children?.forEach(walk);
  };
  walk(parseDocument(html) as unknown as Node);
  return problems;
}
