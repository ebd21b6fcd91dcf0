import { useState } from 'preact/hooks';
import type { CrisisResource } from '../../../server/contract/forum';
import { api } from '../api';
import { navigate, useView } from '../router';
import { me } from '../session';
import { Composer, type Draft } from './composer';
import { CrisisNote } from './help';

/** Starting a thread: someone arriving in distress must be able to ask for help. */
export function NewThread({ slug }: { slug: string }) {
  const [title, setTitle] = useState('');
  const [posted, setPosted] = useState<{ id: string; resources: CrisisResource[] } | null>(null);
  useView('New thread');
  if (me.value === null) return <p><a href="/login">Log in to start a thread</a></p>;
  if (posted) {
    // The server said this post reads like a crisis: the help stays here before moving on.
    return (
      <section>
        <h1 tabIndex={-1}>Your thread is posted</h1>
        <CrisisNote resources={posted.resources} after />
        <a href={`/t/${posted.id}`}>Go to your thread</a>
      </section>
    );
  }
  const send = async (draft: Draft) => {
    const created = await api.newThread(slug, { title, ...draft });
    setTitle('');
    if (created.crisisResources?.length) setPosted({ id: created.thread.id, resources: created.crisisResources });
    else navigate(`/t/${created.thread.id}`);
    return {};
  };
  return (
    <section>
      <h1 tabIndex={-1}>New thread</h1>
      <Composer label="Body" submitLabel="Post" send={send}>
        <label for="thread-title">Title</label>
        <input id="thread-title" value={title} maxLength={200} required onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
      </Composer>
    </section>
  );
}
