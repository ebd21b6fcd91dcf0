import { isModerator, type Viewer } from '../accounts/viewer';
import { post as postSchema, thread as threadSchema } from '../contract/forum';
import type { LiveEventKind } from '../contract/live';
import { toPost, toThread, type PostReader } from '../forum/forum.doors';
import type { Notification } from '../contract/notifications';
import type { Exec } from '../db/executor';
import type { EventRow } from '../outbox/outbox.service';

/** Renders one event for one recipient: the frame text, or null when they may not see it. */
export type Render = (viewer: Viewer | null) => Promise<string | null>;
/** A batch of events, loaded: the renderer of each of its rows. */
export type Prepared = (row: EventRow) => Render;
/**
 * How a feature renders its own event kinds (moderation: flag.created, queue.changed): a
 * whole batch's data loaded at once, then each row's data for each recipient, or null.
 */
export type EventRenderer = (rows: EventRow[]) => Promise<(row: EventRow, viewer: Viewer | null) => Record<string, unknown> | null>;

export interface EventViewDeps {
  db: Exec;
  reader: Pick<PostReader, 'posts' | 'threads' | 'mutedBy'>;
  notifications: { deliverable(ids: string[]): Promise<Map<string, { userId: string; view: Notification }>> };
  /** Other features' event kinds, each with its renderer: fixed when the app is composed. */
  renderers: ReadonlyMap<string, EventRenderer>;
}

function frame(row: EventRow, data: Record<string, unknown>): string {
  // The id a client sees is the event's place in its own audience's count, never the global id.
  return JSON.stringify({ type: 'event', id: row.seq, topic: row.topic, event: row.kind as LiveEventKind, at: row.created_at.toISOString(), data });
}

/** The distinct ids a batch of events refers to under `key` (anything else is ignored). */
export const idsIn = (rows: EventRow[], key: string) => [...new Set(rows.map((r) => String(r.data[key] ?? '')).filter((v) => /^\d+$/.test(v)))];

/**
 * Loads a batch of events (a dispatch, or a page of a replay) with a fixed number of
 * queries, however many events it holds: posts, threads, notifications and each other
 * kind are each read in one go. What goes out is rendered from the current rows, so
 * replays honour later deletes and hides, and is encoded once per visibility class
 * (author, moderator, muter, member, visitor), never once per socket.
 */
export function createPreparer(deps: EventViewDeps) {
  return async function prepare(rows: EventRow[]): Promise<Prepared> {
    const loaded = await loadBatch(deps, rows);
    const renders = new Map<EventRow, Render>();
    return (row) => {
      let render = renders.get(row);
      if (!render) renders.set(row, (render = renderOne(deps, loaded, row)));
      return render;
    };
  };
}

type Loaded = Awaited<ReturnType<typeof loadBatch>>;

async function loadBatch(deps: EventViewDeps, rows: EventRow[]) {
  const postRows = rows.filter((r) => r.kind.startsWith('post.'));
  const threadRows = rows.filter((r) => r.kind === 'thread.created');
  const noteRows = rows.filter((r) => r.kind === 'notification.created');
  const [posts, threads, notes] = await Promise.all([
    postRows.length ? deps.reader.posts(deps.db, idsIn(postRows, 'postId')) : [],
    threadRows.length ? deps.reader.threads(deps.db, idsIn(threadRows, 'threadId')) : [],
    noteRows.length ? deps.notifications.deliverable(idsIn(noteRows, 'notificationId')) : new Map<string, { userId: string; view: Notification }>(),
  ]);
  const others = new Map<string, Awaited<ReturnType<EventRenderer>>>();
  for (const [kind, render] of deps.renderers) {
    const mine = rows.filter((r) => r.kind === kind);
    if (mine.length) others.set(kind, await render(mine));
  }
  return { postById: new Map(posts.map((p) => [p.id, p])), threadById: new Map(threads.map((t) => [t.id, t])), notes, others };
}

function renderOne(deps: EventViewDeps, loaded: Loaded, row: EventRow): Render {
  if (row.kind.startsWith('post.')) return renderPost(deps, loaded, row);
  if (row.kind === 'thread.created') {
    const thread = loaded.threadById.get(String(row.data.threadId));
    const text = thread ? frame(row, { thread: threadSchema.encode(toThread(thread)) }) : null;
    return async () => text;
  }
  if (row.kind === 'notification.created') {
    const note = loaded.notes.get(String(row.data.notificationId));
    return async (viewer) => {
      // A user: topic is only ever joined by its owner; checked again here all the same.
      if (!viewer || row.topic !== `user:${viewer.id}` || !note || note.userId !== viewer.id) return null;
      return frame(row, { notification: note.view });
    };
  }
  const other = loaded.others.get(row.kind);
  if (other) {
    return async (viewer) => {
      const data = other(row, viewer);
      return data ? frame(row, data) : null;
    };
  }
  return async () => null;
}

/** A post event, encoded once per visibility class: visitor, member, author, moderator, muter. */
function renderPost(deps: EventViewDeps, loaded: Loaded, row: EventRow): Render {
  const post = loaded.postById.get(String(row.data.postId));
  const byClass = new Map<string, string>();
  return async (viewer) => {
    if (!post) return null;
    const muted = viewer && !post.anonymous && post.author_id ? (await deps.reader.mutedBy(viewer)).has(post.author_id) : false;
    const key = `${viewer ? 1 : 0}${viewer?.id === post.author_id ? 1 : 0}${isModerator(viewer) ? 1 : 0}${muted ? 1 : 0}`;
    let out = byClass.get(key);
    if (out === undefined) {
      const view = toPost(post, viewer, muted && post.author_id ? new Set([post.author_id]) : new Set());
      byClass.set(key, (out = frame(row, { post: postSchema.encode(view) })));
    }
    return out;
  };
}
