import { useEffect, useState } from 'preact/hooks';
import type { Post } from '../../../server/contract/forum';
import { api, saidOf } from '../api';
import { navigate, query, useView } from '../router';
import { me } from '../session';
import { PostView } from './post-view';

/** The header's search box: the query goes in the address, so results can be shared and revisited. */
export function SearchBox() {
  const [q, setQ] = useState('');
  return (
    <form
      role="search"
      class="search"
      onSubmit={(e) => {
        e.preventDefault();
        if (q.trim()) navigate(`/search?q=${encodeURIComponent(q.trim())}`);
      }}
    >
      <label for="search-q" class="sr-only">Search posts</label>
      <input id="search-q" type="search" placeholder="Search" value={q} maxLength={200} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      <button type="submit">Search</button>
    </form>
  );
}

/** Posts that match, as this reader may see them (warnings and hides applied), each linked to its place. */
export function SearchView() {
  const q = new URLSearchParams(query.value).get('q') ?? '';
  const [posts, setPosts] = useState<Post[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useView(posts ? `Search: ${q}` : null);
  useEffect(() => {
    setPosts(null);
    setError(null);
    if (!q) return setPosts([]);
    void api.search(q).then((r) => (setPosts(r.posts), setCursor(r.nextCursor)), (err) => setError(saidOf(err, 'The search did not work.')));
  }, [q]);
  if (error) return <p role="alert">{error}</p>;
  if (!posts) return <p>Searching…</p>;
  const more = async () => {
    const page = await api.search(q, cursor!);
    setPosts((list) => [...(list ?? []), ...page.posts]);
    setCursor(page.nextCursor);
  };
  return (
    <section>
      <h1 tabIndex={-1}>Search: {q}</h1>
      {posts.length === 0 ? <p>No posts match.</p> : (
        <div class="results">
          {posts.map((p) => (
            <div key={p.id}>
              <PostView post={{ ...p, depth: 0 }} user={me.value} />
              <a href={`/t/${p.threadId}#post-${p.id}`}>Open in its thread</a>
            </div>
          ))}
        </div>
      )}
      {cursor && <button type="button" onClick={more}>Load more</button>}
    </section>
  );
}
