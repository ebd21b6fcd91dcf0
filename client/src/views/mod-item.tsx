import { useEffect, useState } from 'preact/hooks';
import type { QueueItem } from '../../../server/contract/moderation';
import { CONTENT_WARNING_CATEGORIES, CONTENT_WARNING_LABELS, type ContentWarning, type FlagReason } from '../../../server/contract/vocabulary';
import { api } from '../api';
import { crisis, loadCrisis } from '../crisis';
import { me } from '../session';
import { useAction } from '../use-action';
import { REASON_LABELS } from './mod-common';
import { Resources } from './help';
import { PostView } from './post-view';

/**
 * A keyboard command for one item (by id, so that it never lands on the item that moves
 * into the selected place); `seq` makes the same key pressed twice a new command.
 */
export interface Command {
  kind: 'hide' | 'restore' | 'dismiss';
  itemId: string;
  seq: number;
}

const REACH_OUT_TEXT =
  'We read your post and we are glad you shared it. You are not alone here. If you are in danger or need someone right now, please contact one of the resources below. We are thinking of you.';

/** Where the post stands: its thread, and the post it answers. */
function Context({ item }: { item: QueueItem }) {
  const parent = item.parent;
  const parentAuthor = parent && (parent.author.anonymous ? parent.author.alias : parent.author.pseudonym);
  return (
    <div class="context">
      <p>In <a href={`/t/${item.thread.id}#post-${item.post.id}`}>{item.thread.title || 'a thread'}</a></p>
      {parent && (
        <blockquote class="parent" aria-label={`In reply to ${parentAuthor}`}>
          <p class="meta">In reply to {parentAuthor}:</p>
          {parent.deleted ? <p class="notice">That post was deleted.</p> : parent.bodyHtml !== null && <div class="body" dangerouslySetInnerHTML={{ __html: parent.bodyHtml }} />}
        </blockquote>
      )}
    </div>
  );
}

function CrisisHelp({ item, onSent }: { item: QueueItem; onSent: (said: string) => void }) {
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState(REACH_OUT_TEXT);
  const [withResources, setWithResources] = useState(true);
  const { busy, error, run } = useAction('The notice was not sent. Please try again.');
  useEffect(() => void loadCrisis(), []);
  const resources = crisis.value?.resources ?? [];
  return (
    <div class="crisis-help">
      <details>
        <summary>Crisis resources you can send</summary>
        <Resources resources={resources} />
      </details>
      {!open ? <button type="button" onClick={() => setOpen(true)}>Reach out</button> : (
        <form class="composer" onSubmit={(e) => run(async () => {
          await api.modReachOut(item.post.id, message, withResources);
          setOpen(false);
          onSent('Sent. The author will find it in their notifications; they are not told who sent it.');
        }, e)}>
          <label for={`reach-${item.id}`}>Message to the author (private)</label>
          <textarea id={`reach-${item.id}`} rows={4} value={message} required maxLength={2000} onInput={(e) => setMessage((e.target as HTMLTextAreaElement).value)} />
          <label class="check">
            <input type="checkbox" checked={withResources} onChange={(e) => setWithResources((e.target as HTMLInputElement).checked)} /> Include the crisis resources
          </label>
          <div class="actions">
            <button type="submit" disabled={busy}>Send</button>
            <button type="button" onClick={() => setOpen(false)}>Cancel</button>
          </div>
          {error && <p role="alert">{error}</p>}
        </form>
      )}
    </div>
  );
}

/**
 * One post in the queue. Hiding resolves the post's open flags as actioned, and restoring
 * dismisses them (server side). Who flagged is never shown; an anonymous author is their alias.
 */
export function Item({ item, fresh, selected, command, onSelect, onDone }: {
  item: QueueItem;
  fresh: boolean;
  selected: boolean;
  command: Command | null;
  onSelect: () => void;
  onDone: () => void;
}) {
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
  const restore = () => act(() => api.modRestore(item.post.id));
  const dismiss = () => act(() => api.modResolve(item.id, 'dismissed'));

  useEffect(() => {
    if (command?.itemId !== item.id) return;
    if (command.kind === 'hide' && !hidden) {
      setOpen('hide');
      // The reason form is the confirmation: nothing is hidden until it is sent.
      requestAnimationFrame(() => document.getElementById(`hide-reason-${item.id}`)?.focus());
    } else if (command.kind === 'restore' && hidden) void restore();
    else if (command.kind === 'dismiss') void dismiss();
  }, [command?.seq]);

  const flagCount = `${item.count} ${item.count === 1 ? 'flag' : 'flags'}`;
  return (
    <li
      id={`queue-${item.id}`}
      tabIndex={-1}
      onFocusCapture={onSelect}
      class={`queue-item${fresh ? ' fresh' : ''}${item.reasons.crisis ? ' crisis-item' : ''}${selected ? ' selected' : ''}`}
      aria-label={`Flagged post: ${flagCount}`}
      aria-current={selected ? 'true' : undefined}
    >
      <p class="flag-summary">
        {(Object.entries(item.reasons) as Array<[FlagReason, number]>).map(([r, n]) => <span key={r} class={`reason reason-${r}`}>{REASON_LABELS[r]} × {n}</span>)}
        {hidden && <span class="badge">hidden{item.post.hidden?.by === 'community' ? ' by members’ flags' : ''}</span>}
        <span class="meta">first flagged {new Date(item.createdAt).toLocaleString()}</span>
      </p>
      {item.notes.length > 0 && (
        <ul class="notes" aria-label="Notes from the flags">
          {item.notes.map((n, i) => <li key={i} class="note">“{n}”</li>)}
        </ul>
      )}
      <Context item={item} />
      <PostView post={item.post} user={me.value} />
      {item.reasons.crisis && <CrisisHelp item={item} onSent={setSaid} />}
      <div class="actions">
        {hidden ? (
          <button type="button" disabled={busy} onClick={restore}>Restore</button>
        ) : (
          <button type="button" disabled={busy} onClick={() => setOpen('hide')}>Hide</button>
        )}
        <button type="button" disabled={busy} onClick={() => setOpen('warnings')}>Set warnings</button>
        <button type="button" disabled={busy} onClick={() => setOpen('suspend')}>Suspend author</button>
        <button type="button" disabled={busy} onClick={dismiss}>Dismiss</button>
      </div>
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
      {error && <p role="alert">{error}</p>}
    </li>
  );
}
