import { useState } from 'preact/hooks';
import type { MemberSummary, Suspension } from '../../../server/contract/moderation';
import { api } from '../api';
import { useView } from '../router';
import { me } from '../session';
import { useAction } from '../use-action';
import { usePages } from '../use-pages';
import { isAdmin, ModNav, Refused, when } from './mod-common';

type Role = MemberSummary['role'];
const ROLES: Role[] = ['member', 'moderator', 'admin'];

/** One found member, with their role to change (never the last admin: the server refuses, and says so). */
function MemberRow({ member }: { member: MemberSummary }) {
  const [role, setRole] = useState<Role>(member.role);
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction('The role could not be changed.');
  const id = `role-${member.pseudonym}`;
  return (
    <li>
      <form class="member-row" onSubmit={(e) => run(async () => {
        setDone(null);
        const answer = await api.setRole(member.pseudonym, role);
        setDone(`${answer.user.pseudonym} is now ${answer.user.role}.`);
      }, e)}>
        <strong>{member.pseudonym}</strong>
        <span class="meta">joined {new Date(member.createdAt).toLocaleDateString()}</span>
        <label for={id}>Role for {member.pseudonym}</label>
        <select id={id} value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value as Role)}>
          {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
        </select>
        <button type="submit" disabled={busy || role === member.role}>Change role</button>
        {error ? <p role="alert">{error}</p> : done && <p role="status">{done}</p>}
      </form>
    </li>
  );
}

/** Admins find members by the start of their pseudonym and change their role. */
export function Members() {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<MemberSummary[] | null>(null);
  const { busy, error, run } = useAction('Could not search the members.');
  useView(me.value === undefined ? null : 'Members');
  if (me.value === undefined) return <p>Loading…</p>;
  if (!isAdmin()) return <Refused title="Members" text="Only admins can change roles." />;
  return (
    <section class="console">
      <h1 tabIndex={-1}>Members</h1>
      <ModNav here="/mod/members" />
      <form class="search-members" role="search" aria-label="Find members" onSubmit={(e) => run(async () => setFound((await api.findMembers(q.trim())).users), e)}>
        <label for="member-find">Find by pseudonym</label>
        <input id="member-find" value={q} required maxLength={64} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={busy}>Find</button>
      </form>
      {error && <p role="alert">{error}</p>}
      {found && (found.length === 0 ? <p role="status">No member’s pseudonym starts with that.</p> : (
        <ul class="list members" aria-label="Members found">{found.map((m) => <MemberRow key={m.pseudonym} member={m} />)}</ul>
      ))}
    </section>
  );
}

function SuspensionRow({ s, onLifted }: { s: Suspension; onLifted: () => void }) {
  const { busy, error, run } = useAction('The suspension could not be lifted.');
  // Named as the post showed its author: an anonymous post's alias, never the account behind it.
  const who = s.author === null ? 'A member (suspended before this list existed)' : s.anonymous ? `${s.author} (anonymous post)` : s.author;
  return (
    <li aria-label={`Suspension of ${s.author ?? 'a member'}`}>
      <strong>{who}</strong>
      {s.threadId && <> · <a href={`/t/${s.threadId}${s.postId ? `#post-${s.postId}` : ''}`}>the post</a></>}
      <p>Reason: {s.reason || 'none given'}</p>
      <p class="meta">Until <time dateTime={s.until}>{when(s.until)}</time> · since <time dateTime={s.createdAt}>{when(s.createdAt)}</time></p>
      <button type="button" disabled={busy} onClick={() => run(async () => { await api.liftSuspension(s.id); onLifted(); })}>Lift suspension</button>
      {error && <p role="alert">{error}</p>}
    </li>
  );
}

/** Running suspensions, listed by the post each was made from. */
export function Suspensions() {
  const [done, setDone] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const { items, cursor, error, more } = usePages<Suspension>(
    isAdmin() ? `admin:${round}` : null,
    (cursor) => api.suspensions(cursor).then((r) => ({ items: r.suspensions, nextCursor: r.nextCursor })),
    'Could not load the suspensions.',
  );
  useView(me.value === undefined ? null : 'Suspensions');
  if (me.value === undefined) return <p>Loading…</p>;
  if (!isAdmin()) return <Refused title="Suspensions" text="Only admins can see this page." />;
  return (
    <section class="console">
      <h1 tabIndex={-1}>Suspensions</h1>
      <ModNav here="/mod/suspensions" />
      <p class="hint">Each suspension is listed by the post it was made from. An anonymous post’s author is shown by its alias: nobody can see which account it is.</p>
      {done && <p role="status">{done}</p>}
      {error ? <p role="alert">{error}</p> : !items ? <p>Loading…</p> : items.length === 0 ? <p>No one is suspended.</p> : (
        <ul class="list suspensions">
          {items.map((s) => <SuspensionRow key={s.id} s={s} onLifted={() => { setDone(`Lifted the suspension of ${s.author ?? 'a member'}.`); setRound((r) => r + 1); }} />)}
        </ul>
      )}
      {cursor && <button type="button" onClick={more}>Load more</button>}
    </section>
  );
}
