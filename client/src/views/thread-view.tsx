import { useEffect, useState } from 'preact/hooks';
import type { Post, Thread } from '../../../server/contract/forum';
import { api, firstThreadPage, saidOf } from '../api';
import { live } from '../live';
import { path, useView } from '../router';
import { me } from '../session';
import { Composer, type Draft } from './composer';
import { FlagForm } from './flag';
import { isStaff } from '../staff';
import { PinAsResource, SaveToToolkit } from './resources';
import { PostView } from './post-view';

/** Puts a new post right after its parent's subtree, keeping depth-first order. */
function placed(posts: Post[], post: Post): Post[] {
  if (posts.some((p) => p.id === post.id)) return posts.map((p) => (p.id === post.id ? post : p));
  const parent = posts.findIndex((p) => p.id === post.parentId);
  if (parent < 0) return [...posts, post];
  let at = parent + 1;
  while (at < posts.length && posts[at]!.depth > posts[parent]!.depth) at++;
  return [...posts.slice(0, at), post, ...posts.slice(at)];
}

/** Past this depth, a branch folds behind "Continue this thread" (indentation stops helping). */
const READABLE_DEPTH = 6;

/**
 * The posts on screen: everything down to READABLE_DEPTH, and deeper branches only once
 * their post at that depth was opened; `continues` marks where a folded branch starts.
 */
function visible(posts: Post[], expanded: Set<string>): Array<{ post: Post; continues: boolean }> {
  const out: Array<{ post: Post; continues: boolean }> = [];
  let folding: string | null = null; // the post at READABLE_DEPTH whose branch is being folded
  for (const [i, post] of posts.entries()) {
    if (post.depth <= READABLE_DEPTH) folding = null;
    if (folding) continue;
    const deeper = posts[i + 1] !== undefined && posts[i + 1]!.depth > post.depth;
    const folds = post.depth === READABLE_DEPTH && deeper && !expanded.has(post.id);
    out.push({ post, continues: folds });
    if (folds) folding = post.id;
  }
  return out;
}

/** A step that cannot be undone asks first, in words. */
function Confirm({ question, yes, onYes, onNo }: { question: string; yes: string; onYes: () => Promise<void>; onNo: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const go = async () => {
    setBusy(true);
    try {
      await onYes();
    } catch (err) {
      setError(saidOf(err, 'That did not work. Please try again.'));
      setBusy(false);
    }
  };
  return (
    <div class="confirm" role="group" aria-label={question}>
      <p>{question}</p>
      <div class="actions">
        <button type="button" onClick={go} disabled={busy}>{busy ? 'Working…' : yes}</button>
        <button type="button" onClick={onNo}>Cancel</button>
      </div>
      {error && <p role="alert">{error}</p>}
    </div>
  );
}

type Open = 'reply' | 'flag' | 'edit' | 'delete' | 'anonymize' | 'pin' | null;

/** What a member may do with a post: reply to it and flag it; edit, delete or anonymize their own; mute its author. */
function PostActions({ post, threadId, slug, onPosted, reload }: { post: Post; threadId: string; slug: string; onPosted: (p: Post) => void; reload: () => void }) {
  const [open, setOpen] = useState<Open>(null);
  const [source, setSource] = useState<{ body: string; contentWarnings: Draft['contentWarnings'] } | null>(null);
  if (!me.value || post.deleted) return null;
  const name = post.author.anonymous ? post.author.alias : post.author.pseudonym;
  const send = async (draft: Draft) => {
    const created = await api.reply(threadId, { ...draft, parentId: post.id });
    onPosted(created.post);
    if (!created.crisisResources?.length) setOpen(null);
    return created;
  };
  const edit = async () => {
    setSource(await api.source(post.id));
    setOpen('edit');
  };
  const save = async (draft: Draft) => {
    onPosted((await api.edit(post.id, { body: draft.body, contentWarnings: draft.contentWarnings })).post);
    setOpen(null);
    return {};
  };
  const mute = async () => {
    if (post.author.anonymous) return;
    await api.mute(post.author.pseudonym, !post.muted);
    reload(); // every post of theirs on this page changes
  };
  return (
    <div class="post-actions">
      {open === null && (
        <>
          <button type="button" onClick={() => setOpen('reply')} aria-label={`Reply to ${name}`}>Reply</button>
          {post.mine ? (
            <>
              <button type="button" onClick={() => void edit()}>Edit</button>
              <button type="button" onClick={() => setOpen('delete')}>Delete</button>
              {!post.author.anonymous && <button type="button" onClick={() => setOpen('anonymize')}>Make anonymous</button>}
            </>
          ) : (
            <>
              <button type="button" onClick={() => setOpen('flag')}>Flag</button>
              {!post.author.anonymous && <button type="button" onClick={() => void mute()}>{post.muted ? 'Unmute' : 'Mute'}</button>}
            </>
          )}
          <SaveToToolkit post={post} />
          {isStaff() && <button type="button" onClick={() => setOpen('pin')}>Pin as resource</button>}
        </>
      )}
      {open === 'pin' && <PinAsResource post={post} slug={slug} onClose={() => setOpen(null)} />}
      {open === 'reply' && <Composer label="Your reply" submitLabel="Post reply" send={send} onCancel={() => setOpen(null)} />}
      {open === 'edit' && source && (
        <Composer label="Edit your post" submitLabel="Save" send={save} onCancel={() => setOpen(null)} initial={source} editing />
      )}
      {open === 'flag' && <FlagForm postId={post.id} onDone={() => setOpen(null)} />}
      {open === 'delete' && (
        <Confirm
          question="Delete this post? Its words are removed for good; replies to it stay."
          yes="Delete post"
          onYes={async () => {
            await api.remove(post.id);
            onPosted({ ...post, deleted: true, bodyHtml: null });
            setOpen(null);
          }}
          onNo={() => setOpen(null)}
        />
      )}
      {open === 'anonymize' && (
        <Confirm
          question="Make this post anonymous? Your pseudonym is removed from it and replaced by an alias of its own. This cannot be undone."
          yes="Make it anonymous"
          onYes={async () => {
            onPosted((await api.anonymize(post.id)).post);
            setOpen(null);
          }}
          onNo={() => setOpen(null)}
        />
      )}
    </div>
  );
}

export function ThreadView({ id }: { id: string }) {
  const [thread, setThread] = useState<Thread | null>(null);
  const [posts, setPosts] = useState<Post[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  useView(thread ? thread.title : error ? 'Not found' : null);

  const load = async () => {
    try {
      const page = await firstThreadPage(id);
      setThread(page.thread);
      setPosts(page.posts);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(saidOf(err, 'Could not load this thread.'));
    }
  };
  const more = async () => {
    try {
      const page = await api.thread(id, cursor!);
      setPosts((current) => page.posts.reduce(placed, current));
      setCursor(page.nextCursor);
    } catch (err) {
      setError(saidOf(err, 'Could not load more of this thread.'));
    }
  };

  useEffect(() => {
    void load();
    // Replies, edits, hides and restores arrive live; each carries the post as we may see it.
    const stop = live.subscribe(`thread:${id}`, (event) => {
      if (event.event === 'resync') return void load(); // events were missed: read the page again
      const post = event.data.post as Post | undefined;
      if (!post) return;
      // A reply whose parent is not on the page yet comes with "Load more", in its place.
      setPosts((current) => (post.parentId && !current.some((p) => p.id === post.parentId || p.id === post.id) ? current : placed(current, post)));
      // The server drops the title with a deleted opening post; the open page follows.
      if (post.deleted && post.depth === 0) setThread((t) => (t ? { ...t, title: '[deleted]' } : t));
    });
    return stop;
  }, [id]);

  // Arriving from a notification (/t/1#post-9): that post, once it is on the page.
  const hasPosts = posts.length > 0;
  useEffect(() => {
    if (hasPosts && location.hash.startsWith('#post-')) document.getElementById(location.hash.slice(1))?.scrollIntoView({ block: 'center' });
  }, [hasPosts, path.value]);

  if (error) return <p role="alert">{error}</p>;
  if (!thread) return <p>Loading…</p>;
  const posted = (post: Post) => setPosts((current) => placed(current, post));
  return (
    <section>
      <h1 tabIndex={-1}>{thread.title}</h1>
      <div class="posts" aria-live="polite">
        {visible(posts, expanded).map(({ post: p, continues }) => (
          <div key={p.id}>
            <PostView post={p} user={me.value} actions={<PostActions post={p} threadId={id} slug={thread.communitySlug} onPosted={posted} reload={() => void load()} />} />
            {continues && (
              <button type="button" class={`continue depth-${READABLE_DEPTH}`} onClick={() => setExpanded((s) => new Set([...s, p.id]))}>
                Continue this thread
              </button>
            )}
          </div>
        ))}
      </div>
      {cursor && <button type="button" onClick={more}>Load more</button>}
      {me.value === null && <p class="prompt"><a href="/login">Log in to reply</a></p>}
    </section>
  );
}
