import fs from 'node:fs';
import { NAUGHTY } from './naughty';

/** Debian's wfuzz package ships this list; CI installs it. */
export const WFUZZ_XSS = '/usr/share/wfuzz/wordlist/Injections/XSS.txt';

export function wfuzzVectors(): string[] {
  if (!fs.existsSync(WFUZZ_XSS)) {
    if (process.env.CI) throw new Error(`${WFUZZ_XSS} is missing: CI must install the wfuzz package`);
    return [];
  }
  return fs.readFileSync(WFUZZ_XSS, 'utf8').split('\n').filter((l) => l.trim() !== '');
}

/**
 * Vectors from sanitize-html's security advisories and the mutation-XSS literature,
 * written out here as test inputs: scheme tricks, entity-encoded schemes, nested and
 * broken tags, namespace confusion (svg, math), raw-text elements (textarea, xmp,
 * noscript, style) and protocol-relative links.
 */
export const ADVISORY_VECTORS = [
  '<a href="javascript&colon;alert(1)">x</a>',
  '<a href="&#106;avascript:alert(1)">x</a>',
  '<a href="jav&#x09;ascript:alert(1)">x</a>',
  '[x](javascript:alert(1))',
  '[x](JaVaScRiPt:alert(1))',
  '[x](java\tscript:alert(1))',
  '[x](&#106;avascript:alert(1))',
  '[x](vbscript:msgbox(1))',
  '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[x](//evil.example/steal)',
  '[x](\\\\evil.example)',
  '<https://ok.example/"onmouseover="alert(1)>',
  '![img](https://x.example/a.png"onerror="alert(1))',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<svg><script>alert(1)</script></svg>',
  '<svg><style><img src=x onerror=alert(1)></style></svg>',
  '<math><mi><mglyph><style><img src=x onerror=alert(1)></style></mglyph></mi></math>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<textarea><script>alert(1)</script></textarea>',
  '<xmp><script>alert(1)</script></xmp>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<option><style></option></select><img src=x onerror=alert(1)></style>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<a href="https://ok.example" onclick="alert(1)">x</a>',
  '<form action="javascript:alert(1)"><button>x</button></form>',
  '<img/src=x/onerror=alert(1)>',
  '"><img src=x onerror=alert(1)>',
  '<a href=" javascript:alert(1)">x</a>',
  '[x]( javascript:alert(1))',
  '[x](<javascript:alert(1)>)',
  '[x][ref]\n\n[ref]: javascript:alert(1)',
  '<<script>alert(1)//<</script>',
  '<!--<img src="--><img src=x onerror=alert(1)//">',
  '<a href="mailto:a@b.example?body=<script>">m</a>',
  '[m](mailto:someone@example.org)',
];

export function allXssInputs(): string[] {
  return [...new Set([...wfuzzVectors(), ...ADVISORY_VECTORS, ...NAUGHTY])];
}
