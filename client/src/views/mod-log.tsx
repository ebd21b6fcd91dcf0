import { useState } from 'preact/hooks';
import type { LogEntry } from '../../../server/contract/moderation';
import { api } from '../api';
import { useView } from '../router';
import { me } from '../session';
import { useAction } from '../use-action';
import { usePages } from '../use-pages';
import { isStaff } from './mod-queue';

function Refused({ title, text }: { title: string; text: string }) {
  return (
    <section>
      <h1 tabIndex={-1}>{title}</h1>
      <p>{text}</p>
    </section>
  );
}

/** The moderation log, newest first. Anonymous authors stay sealed: the server names them by alias. */
export function ModLog() {
  const { items: entries, cursor, error, more } = usePages<LogEntry>(
    isStaff() ? (me.value?.role ?? null) : null,
    (cursor) => api.modLog(cursor).then((r) => ({ items: r.entries, nextCursor: r.nextCursor })),
    'Could not load the log.',
  );
  useView(entries ? 'Moderation log' : null);
  if (me.value === undefined) return <p>Loading…</p>;
  if (!isStaff()) return <Refused title="Moderation log" text="Only moderators can see this page." />;
  if (error) return <p role="alert">{error}</p>;
  if (!entries) return <p>Loading…</p>;
  return (
    <section>
      <h1 tabIndex={-1}>Moderation log</h1>
      <nav aria-label="Moderation"><a href="/mod">Queue</a>{me.value?.role === 'admin' && <> · <a href="/mod/members">Members</a></>}</nav>
      <ul class="list">
        {entries.map((e) => (
          <li key={e.id}>
            <strong>{e.actor}</strong> {e.action}
            {e.target.author && <> · {e.target.author}</>}
            {e.target.threadId && <> · <a href={`/t/${e.target.threadId}${e.target.postId ? `#post-${e.target.postId}` : ''}`}>the post</a></>}
            {e.reason && <> · {e.reason}</>}
            <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time>
          </li>
        ))}
      </ul>
      {cursor && <button type="button" onClick={more}>Load more</button>}
    </section>
  );
}

/** Admins change roles here (never the last admin: the server refuses, and says so). */
export function Members() {
  const [pseudonym, setPseudonym] = useState('');
  const [role, setRole] = useState<'member' | 'moderator' | 'admin'>('moderator');
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction('The role could not be changed.');
  useView('Members');
  if (me.value === undefined) return <p>Loading…</p>;
  if (me.value?.role !== 'admin') return <Refused title="Members" text="Only admins can change roles." />;
  const submit = (event: Event) =>
    run(async () => {
      setDone(null);
      const answer = await api.setRole(pseudonym.trim(), role);
      setDone(`${answer.user.pseudonym} is now ${answer.user.role}.`);
    }, event);
  return (
    <section>
      <h1 tabIndex={-1}>Members</h1>
      <form class="login" onSubmit={submit}>
        <label for="member-pseudonym">Pseudonym</label>
        <input id="member-pseudonym" value={pseudonym} required onInput={(e) => setPseudonym((e.target as HTMLInputElement).value)} />
        <label for="member-role">Role</label>
        <select id="member-role" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value as typeof role)}>
          <option value="member">member</option>
          <option value="moderator">moderator</option>
          <option value="admin">admin</option>
        </select>
        <button type="submit" disabled={busy}>Change role</button>
        {error ? <p role="alert">{error}</p> : done && <p role="status">{done}</p>}
      </form>
    </section>
  );
}
