import { useState } from 'preact/hooks';
import type { Post } from '../../../server/contract/forum';
import { api } from '../api';
import { navigate, query, useView } from '../router';
import { me } from '../session';
import { usePages } from '../use-pages';
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
  const { items: found, cursor, error, more } = usePages<Post>(
    q || null,
    (cursor) => api.search(q, cursor).then((r) => ({ items: r.posts, nextCursor: r.nextCursor })),
    'The search did not work.',
  );
  const posts = q ? found : [];
  useView(posts ? `Search: ${q}` : null);
  if (error) return <p role="alert">{error}</p>;
  if (!posts) return <p>Searching…</p>;
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
