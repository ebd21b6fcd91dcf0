import { CONTENT_WARNING_LABELS, MOD_ACTIONS, type ModAction } from '../../../server/contract/vocabulary';
import type { Notification } from '../../../server/contract/notifications';
import { api } from '../api';
import { Resources } from './help';
import { useView } from '../router';
import { usePages } from '../use-pages';
import { me, unread } from '../session';

/**
 * What a moderation notice says, in words. It says "a moderator", never who: the notice
 * carries no moderator's name to show.
 */
function moderationText(d: Notification['data']): string {
  const said = MOD_ACTIONS[d.action as ModAction]?.author ?? 'A moderator acted on your post';
  if (d.action === 'reach-out') return `${said}.`;
  if (d.action === 'suspend-author' && d.until) return `${said} until ${new Date(d.until).toLocaleString()}${d.reason ? `: ${d.reason}` : '.'}`;
  if (d.action === 'content-warnings') return `${said}.`;
  return `${said}${d.reason ? `: ${d.reason}` : '.'}`;
}

/** A moderator's private message, with the crisis resources sent along. */
function ReachOut({ message, resources }: { message: string | undefined; resources: Notification['data']['resources'] }) {
  return (
    <div class="reach-out">
      {message && <p class="message">{message}</p>}
      {resources && resources.length > 0 && <Resources resources={resources} />}
    </div>
  );
}

function Item({ note }: { note: Notification }) {
  const d = note.data;
  const by = d.by ? (d.by.anonymous ? d.by.alias : d.by.pseudonym) : null;
  const where = note.kind === 'milestone' ? '/journey' : d.threadId ? `/t/${d.threadId}${d.postId ? `#post-${d.postId}` : ''}` : null;
  let text: string;
  if (note.kind === 'reply') text = `${by ?? 'Someone'} replied in “${d.threadTitle ?? 'a thread'}”`;
  else if (note.kind === 'milestone') text = `You reached ${d.label ?? `${d.days} days`}. Every day counts.`;
  else text = moderationText(d);
  const warnings = d.contentWarnings?.map((w) => CONTENT_WARNING_LABELS[w]).join(', ');
  const reachOut = note.kind === 'moderation' && d.action === 'reach-out';
  return (
    <li class={note.readAt ? 'read' : 'unread'}>
      {where && !reachOut ? <a href={where}>{text}</a> : text}
      {reachOut && <ReachOut message={d.reason} resources={d.resources} />}
      {warnings && note.kind === 'moderation' ? <span class="warnings">Warnings now: {warnings}</span>
        : warnings ? <span class="warnings">Content warning: {warnings}</span> : d.excerpt && <p class="excerpt">{d.excerpt}</p>}
      <time dateTime={note.createdAt}>{new Date(note.createdAt).toLocaleString()}</time>
    </li>
  );
}

/** Replies, moderation notices and milestones, newest first, with new ones arriving live. */
export function Inbox() {
  const userId = me.value?.id ?? null;
  const { items: notes, setItems: setNotes, cursor, error, more } = usePages(
    userId,
    (cursor) => api.notifications(cursor).then((r) => ({ items: r.notifications, nextCursor: r.nextCursor })),
    'Could not load your notifications.',
    { topic: `user:${userId}`, rowOf: (event) => event.data.notification as Notification | undefined, id: (n) => n.id },
  );
  useView(notes ? 'Notifications' : null);
  if (me.value === null) return <p><a href="/login">Log in to see your notifications</a></p>;
  if (error) return <p role="alert">{error}</p>;
  if (!notes) return <p>Loading…</p>;
  const markAll = async () => {
    await api.markAllRead();
    unread.value = 0;
    setNotes((list) => (list ?? []).map((n) => ({ ...n, readAt: n.readAt ?? new Date().toISOString() })));
  };
  return (
    <section>
      <h1 tabIndex={-1}>Notifications</h1>
      <button type="button" onClick={markAll} disabled={unread.value === 0}>Mark all read</button>
      {notes.length === 0 ? <p>Nothing yet. Replies to your posts will show here.</p> : (
        <ul class="list inbox-list" aria-live="polite">
          {notes.map((n) => <Item key={n.id} note={n} />)}
        </ul>
      )}
      {cursor && <button type="button" onClick={more}>Load more</button>}
    </section>
  );
}
