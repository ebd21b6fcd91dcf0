import type { FlagReason } from '../../../server/contract/vocabulary';
import { isAdmin } from '../staff';

export { isAdmin, isStaff } from '../staff';

export const REASON_LABELS: Record<FlagReason, string> = {
  crisis: 'Crisis', triggering: 'Triggering', harassment: 'Harassment', spam: 'Spam', other: 'Other',
};


/** What a member or visitor sees on a console URL: the page exists, and is not theirs. */
export function Refused({ title, text }: { title: string; text: string }) {
  return (
    <section>
      <h1 tabIndex={-1}>{title}</h1>
      <p>{text}</p>
    </section>
  );
}

const PAGES = [
  { href: '/mod', label: 'Queue', admin: false },
  { href: '/mod/log', label: 'Log', admin: false },
  { href: '/mod/members', label: 'Members', admin: true },
  { href: '/mod/suspensions', label: 'Suspensions', admin: true },
];

/** The console's pages; the current one is marked for screen readers too. */
export function ModNav({ here }: { here: string }) {
  return (
    <nav aria-label="Moderation" class="mod-nav">
      {PAGES.filter((p) => !p.admin || isAdmin()).map((p) => (
        <a key={p.href} href={p.href} aria-current={p.href === here ? 'page' : undefined}>{p.label}</a>
      ))}
    </nav>
  );
}

export const when = (iso: string) => new Date(iso).toLocaleString();
