import { useEffect, useState } from 'preact/hooks';
import type { Post } from '../../../server/contract/forum';
import type { Resource } from '../../../server/contract/resources';
import { api } from '../api';
import { useAction } from '../use-action';
import { isStaff } from '../staff';

/** The community's coping resources, pinned by moderators, above its threads; folded away with one tap. */
export function CommunityResources({ slug }: { slug: string }) {
  const [resources, setResources] = useState<Resource[]>([]);
  const load = () => void api.resources(slug).then((r) => setResources(r.resources), () => setResources([]));
  useEffect(load, [slug]);
  if (resources.length === 0) return null;
  return (
    <details class="pinned" open>
      <summary>Resources for this community ({resources.length})</summary>
      <ul class="list">
        {resources.map((r) => (
          <li key={r.id}>
            <a href={`/t/${r.post.threadId}#post-${r.post.id}`}>{r.title}</a>
            {isStaff() && <button type="button" class="link" aria-label={`Unpin ${r.title}`} onClick={async () => { await api.unpin(r.id); load(); }}>Unpin</button>}
          </li>
        ))}
      </ul>
    </details>
  );
}

/** "Save to toolkit": a private list of posts that help, in the member's journey. */
export function SaveToToolkit({ post }: { post: Post }) {
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useAction('That did not save. Please try again.');
  return (
    <>
      <button type="button" disabled={busy} onClick={() => run(async () => { await api.saveToToolkit(post.id, !saved); setSaved(!saved); })}>
        {saved ? 'Remove from toolkit' : 'Save to toolkit'}
      </button>
      {saved && <span role="status" class="hint">Saved to your toolkit, in My journey.</span>}
      {error && <span role="alert">{error}</span>}
    </>
  );
}

/** Moderators pin a post as one of its community's resources, with a short title. */
export function PinAsResource({ post, slug, onClose }: { post: Post; slug: string; onClose: () => void }) {
  const [title, setTitle] = useState('');
  const [position, setPosition] = useState('0');
  const [done, setDone] = useState(false);
  const { busy, error, run } = useAction('It was not pinned. Please try again.');
  if (done) return <p role="status">Pinned above the community’s threads.</p>;
  return (
    <form class="composer" onSubmit={(e) => run(async () => { await api.pin(slug, post.id, title, Number(position) || 0); setDone(true); }, e)}>
      <label for={`pin-${post.id}`}>Resource title</label>
      <input id={`pin-${post.id}`} value={title} required maxLength={100} placeholder="What helps with cravings at night" onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
      <label for={`pin-order-${post.id}`}>Order (lower shows first)</label>
      <input id={`pin-order-${post.id}`} type="number" min={0} max={1000} value={position} onInput={(e) => setPosition((e.target as HTMLInputElement).value)} />
      <div class="actions">
        <button type="submit" disabled={busy}>Pin</button>
        <button type="button" onClick={onClose}>Cancel</button>
      </div>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}
