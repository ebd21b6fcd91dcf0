import { signal } from '@preact/signals';
import { useEffect, useState } from 'preact/hooks';
import type { QueueItem } from '../../../server/contract/moderation';
import { CONTENT_WARNING_CATEGORIES, CONTENT_WARNING_LABELS, type ContentWarning, type FlagReason } from '../../../server/contract/vocabulary';
import { api, saidOf } from '../api';
import { live } from '../live';
import { useView } from '../router';
import { me } from '../session';
import { useAction } from '../use-action';
import { PostView } from './post-view';

const REASON_LABELS: Record<FlagReason, string> = {
  crisis: 'Crisis', triggering: 'Triggering', harassment: 'Harassment', spam: 'Spam', other: 'Other',
};

export const isStaff = () => me.value?.role === 'moderator' || me.value?.role === 'admin';

/** Open queue items, for the header's count: kept current by the `mod` topic while a moderator is here. */
export const openFlags = signal<number | null>(null);
let stopCount: (() => void) | null = null;

export function watchQueueCount(): void {
  stopCount?.();
  stopCount = null;
  if (!isStaff()) {
    openFlags.value = null;
    return;
  }
  const refresh = () => void api.modQueue().then((r) => (openFlags.value = r.flags.length), () => {});
  refresh();
  stopCount = live.subscribe('mod', (event) => event.event === 'flag.created' && refresh());
}

/** Hiding resolves the post's open flags as actioned, and restoring dismisses them (server side). */
function Item({ item, fresh, onDone }: { item: QueueItem; fresh: boolean; onDone: () => void }) {
  const [open, setOpen] = useState<'hide' | 'warnings' | 'suspend' | null>(null);
  const [reason, setReason] = useState('');
  const [warnings, setWarnings] = useState<ContentWarning[]>(item.post.contentWarnings);
  const [days, setDays] = useState('7');
  const [said, setSaid] = useState<string | null>(null);
  const { busy, error, run } = useAction('That did not work. Please try again.');
  const act = (work: () => Promise<unknown>) => run(async () => {
    await work();
    onDone();
  });
  const hidden = item.post.hidden !== null;
  return (
    <li class={`queue-item${fresh ? ' fresh' : ''}${item.reasons.crisis ? ' crisis-item' : ''}`} aria-label={`Flagged post: ${item.count} ${item.count === 1 ? 'flag' : 'flags'}`}>
      <p class="flag-summary">
        {(Object.entries(item.reasons) as Array<[FlagReason, number]>).map(([r, n]) => <span key={r} class={`reason reason-${r}`}>{REASON_LABELS[r]} × {n}</span>)}
        {hidden && <span class="badge">hidden</span>}
      </p>
      {item.note && <p class="note">Note: {item.note}</p>}
      <PostView post={item.post} user={me.value} />
      <a href={`/t/${item.post.threadId}#post-${item.post.id}`}>Open in its thread</a>
      <div class="actions">
        {hidden ? (
          <button type="button" disabled={busy} onClick={() => act(() => api.modRestore(item.post.id))}>Restore</button>
        ) : (
          <button type="button" disabled={busy} onClick={() => setOpen('hide')}>Hide</button>
        )}
        <button type="button" disabled={busy} onClick={() => setOpen('warnings')}>Set warnings</button>
        <button type="button" disabled={busy} onClick={() => setOpen('suspend')}>Suspend author</button>
        <button type="button" disabled={busy} onClick={() => act(() => api.modResolve(item.id, 'dismissed'))}>Dismiss</button>
      </div>
      {open === 'warnings' && (
        <form class="composer" onSubmit={(e) => run(async () => { await api.modWarnings(item.post.id, warnings); setOpen(null); onDone(); }, e)}>
          <fieldset class="warnings-choice">
            <legend>Content warnings for this post</legend>
            {CONTENT_WARNING_CATEGORIES.map((w) => (
              <label key={w} class="check">
                <input type="checkbox" checked={warnings.includes(w)} onChange={(e) => setWarnings((l) => ((e.target as HTMLInputElement).checked ? [...l, w] : l.filter((x) => x !== w)))} /> {CONTENT_WARNING_LABELS[w]}
              </label>
            ))}
          </fieldset>
          <div class="actions">
            <button type="submit" disabled={busy}>Save warnings</button>
            <button type="button" onClick={() => setOpen(null)}>Cancel</button>
          </div>
        </form>
      )}
      {open === 'suspend' && (
        <form class="composer" onSubmit={(e) => run(async () => {
          const until = new Date(Date.now() + Number(days) * 86_400_000).toISOString();
          const answer = await api.modSuspendAuthor(item.post.id, until, reason);
          // The author is named only as readers see them: an anonymous post's alias stays an alias.
          setSaid(`${answer.suspension.author} cannot post for ${days} ${days === '1' ? 'day' : 'days'}.`);
          setOpen(null);
        }, e)}>
          <label for={`suspend-days-${item.id}`}>Days</label>
          <select id={`suspend-days-${item.id}`} value={days} onChange={(e) => setDays((e.target as HTMLSelectElement).value)}>
            {['1', '3', '7', '30', '90'].map((d) => <option key={d} value={d}>{d}</option>)}
          </select>
          <label for={`suspend-reason-${item.id}`}>Reason (shown to the author)</label>
          <input id={`suspend-reason-${item.id}`} value={reason} required maxLength={500} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          <div class="actions">
            <button type="submit" disabled={busy}>Suspend</button>
            <button type="button" onClick={() => setOpen(null)}>Cancel</button>
          </div>
        </form>
      )}
      {said && <p role="status">{said}</p>}
      {open === 'hide' && (
        <form class="composer" onSubmit={(e) => run(async () => { await api.modHide(item.post.id, reason); onDone(); }, e)}>
          <label for={`hide-reason-${item.id}`}>Reason (shown to the author)</label>
          <input id={`hide-reason-${item.id}`} value={reason} required maxLength={500} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          <div class="actions">
            <button type="submit" disabled={busy}>Hide post</button>
            <button type="button" onClick={() => setOpen(null)}>Cancel</button>
          </div>
        </form>
      )}
      {error && <p role="alert">{error}</p>}
    </li>
  );
}

/** The moderators' queue: open flags grouped by post, crisis first, arriving live. */
export function ModQueue() {
  const [items, setItems] = useState<QueueItem[] | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [announce, setAnnounce] = useState('');
  const [error, setError] = useState<string | null>(null);
  useView(items ? 'Moderation queue' : me.value && !isStaff() ? 'Moderation' : null);
  const load = async (mark = false) => {
    try {
      const r = await api.modQueue();
      setItems((before) => {
        if (mark && before) {
          const known = new Set(before.map((i) => i.id));
          const added = r.flags.filter((i) => !known.has(i.id));
          setFresh(new Set(added.map((i) => i.id)));
          if (added.some((i) => i.reasons.crisis)) setAnnounce('A crisis flag arrived. It is at the top of the queue.');
        }
        return r.flags;
      });
      openFlags.value = r.flags.length;
    } catch (err) {
      setError(saidOf(err, 'Could not load the queue.'));
    }
  };
  useEffect(() => {
    if (!isStaff()) return;
    void load();
    return live.subscribe('mod', (event) => event.event === 'flag.created' && void load(true));
  }, [me.value?.role]);
  if (me.value === undefined) return <p>Loading…</p>;
  if (!isStaff()) {
    return (
      <section>
        <h1 tabIndex={-1}>Moderation</h1>
        <p>Only moderators can see this page.</p>
      </section>
    );
  }
  if (error) return <p role="alert">{error}</p>;
  if (!items) return <p>Loading…</p>;
  return (
    <section>
      <h1 tabIndex={-1}>Moderation queue</h1>
      <nav aria-label="Moderation"><a href="/mod/log">Log</a>{me.value?.role === 'admin' && <> · <a href="/mod/members">Members</a></>}</nav>
      <p class="sr-only" aria-live="assertive">{announce}</p>
      {items.length === 0 ? <p>No open flags. Thank you for keeping Haven safe.</p> : (
        <ul class="list queue">
          {items.map((i) => <Item key={i.id} item={i} fresh={fresh.has(i.id)} onDone={() => void load()} />)}
        </ul>
      )}
    </section>
  );
}
