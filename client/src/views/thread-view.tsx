import { useEffect, useMemo, useState } from 'preact/hooks';
import { crisisMatcher } from '../../../server/contract/crisis-matcher';
import type { Post, Thread } from '../../../server/contract/forum';
import type { CrisisConfig } from '../../../server/contract/moderation';
import { api, ApiError } from '../api';
import { live } from '../live';
import { me } from '../session';
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

export function ThreadView({ id }: { id: string }) {
  const [thread, setThread] = useState<Thread | null>(null);
  const [posts, setPosts] = useState<Post[]>([]);
  const [error, setError] = useState<string | null>(null);

  const load = async () => {
    try {
      let page = await api.thread(id);
      const all = [...page.posts];
      while (page.nextCursor && all.length < 1000) {
        page = await api.thread(id, page.nextCursor);
        all.push(...page.posts);
      }
      setThread(page.thread);
      setPosts(all);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not load this thread.');
    }
  };

  useEffect(() => {
    void load();
    // Replies, edits, hides and restores arrive live; each carries the post as we may see it.
    const stop = live.subscribe(`thread:${id}`, (event) => {
      const post = event.data.post as Post | undefined;
      if (!post) return;
      setPosts((current) => placed(current, post));
      // The server drops the title with a deleted opening post; the open page follows.
      if (post.deleted && post.depth === 0) setThread((t) => (t ? { ...t, title: '[deleted]' } : t));
    });
    live.onResync = () => void load();
    return stop;
  }, [id]);

  if (error) return <p role="alert">{error}</p>;
  if (!thread) return <p>Loading…</p>;
  return (
    <section>
      <h2>{thread.title}</h2>
      <div class="posts">
        {posts.map((p) => (
          <PostView key={p.id} post={p} user={me.value} />
        ))}
      </div>
      {me.value && <ReplyForm threadId={id} rootId={posts[0]?.id} />}
    </section>
  );
}

function ReplyForm({ threadId, rootId }: { threadId: string; rootId: string | undefined }) {
  const [body, setBody] = useState('');
  const [anonymous, setAnonymous] = useState(false);
  const [crisis, setCrisis] = useState<CrisisConfig | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => void api.crisis().then(setCrisis, () => {}), []);
  // The draft is checked here, in the browser: it never leaves it to get help shown.
  const matches = useMemo(() => (crisis ? crisisMatcher(crisis.phrases) : () => false), [crisis]);
  const needsHelp = matches(body);

  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await api.reply(threadId, body, rootId, anonymous);
      setBody('');
      setMessage(null);
    } catch (err) {
      setMessage(err instanceof ApiError ? err.message : 'Your reply could not be sent.');
    }
  };
  return (
    <form onSubmit={submit} class="reply">
      <label for="reply-body">Your reply</label>
      <textarea id="reply-body" value={body} onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} maxLength={20000} required />
      {needsHelp && crisis && (
        <aside class="crisis" role="note">
          <p>It sounds like things are really hard right now. You can reach someone now:</p>
          <ul>
            {crisis.resources.map((r) => (
              <li key={r.name}>
                <strong>{r.name}</strong>: {r.contact} {r.url && <a href={r.url} rel="noopener noreferrer">{r.url}</a>}
              </li>
            ))}
          </ul>
        </aside>
      )}
      <label>
        <input type="checkbox" checked={anonymous} onChange={(e) => setAnonymous((e.target as HTMLInputElement).checked)} /> Post anonymously
      </label>
      <button type="submit">Reply</button>
      {message && <p role="alert">{message}</p>}
    </form>
  );
}
