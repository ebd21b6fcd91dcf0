import { useEffect, useState } from 'preact/hooks';
import { CONTENT_WARNING_LABELS } from '../../../server/contract/vocabulary';
import type { Thread } from '../../../server/contract/forum';
import { api, saidOf, type Community } from '../api';
import { usePages } from '../use-pages';
import { navigate, useView } from '../router';
import { loadMe, me } from '../session';
import { CommunityResources } from './resources';

export function Home() {
  const [communities, setCommunities] = useState<Community[] | null>(null);
  useEffect(() => void api.communities().then((r) => setCommunities(r.communities), () => setCommunities([])), []);
  useView(communities ? 'Communities' : null);
  if (!communities) return <p>Loading…</p>;
  return (
    <section>
      <h1 tabIndex={-1}>Communities</h1>
      <ul class="list">
        {communities.map((c) => (
          <li key={c.id}>
            <a href={`/c/${c.slug}`}>{c.name}</a> <span class="muted">{c.threadCount} threads</span>
            <p>{c.description}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}

function ThreadRow({ thread }: { thread: Thread }) {
  const warnings = thread.contentWarnings.map((w) => CONTENT_WARNING_LABELS[w]).join(', ');
  return (
    <li>
      <a href={`/t/${thread.id}`}>{thread.title}</a>
      {warnings && <span class="warnings">Content warning: {warnings}</span>}
      <span class="muted">
        {thread.author.anonymous ? thread.author.alias : thread.author.pseudonym} · {thread.replyCount} {thread.replyCount === 1 ? 'reply' : 'replies'}
      </span>
    </li>
  );
}

export function CommunityView({ slug }: { slug: string }) {
  const [community, setCommunity] = useState<Community | null | undefined>(undefined);
  // New threads arrive live, at the top.
  const { items, cursor, error, more } = usePages<Thread>(
    slug,
    (cursor) => api.threads(slug, cursor).then((r) => ({ items: r.threads, nextCursor: r.nextCursor })),
    'Could not load the threads.',
    { topic: `community:${slug}`, rowOf: (event) => event.data.thread as Thread | undefined, id: (t) => t.id },
  );
  const threads = items ?? [];
  useEffect(() => void api.communities().then((r) => setCommunity(r.communities.find((c) => c.slug === slug) ?? null), () => setCommunity(null)), [slug]);
  useView(community === undefined ? null : community ? community.name : 'Not found');
  if (community === undefined) return <p>Loading…</p>;
  if (community === null) return <NotFound />;
  return (
    <section>
      <h1 tabIndex={-1}>{community.name}</h1>
      <p>{community.description}</p>
      <CommunityResources slug={slug} />
      {me.value ? <a class="button" href={`/c/${slug}/new`}>New thread</a> : <p><a href="/login">Log in to start a thread</a></p>}
      {error && <p role="alert">{error}</p>}
      <ul class="list" aria-live="polite">
        {threads.map((t) => <ThreadRow key={t.id} thread={t} />)}
      </ul>
      {cursor && <button type="button" onClick={more}>Load more</button>}
    </section>
  );
}

/**
 * The guidelines come rendered like a post, every heading an h3. Under this page's h1 the
 * document's own title goes, and its section headings become h2: one outline, no gaps.
 */
const asSections = (html: string) => html.replace(/^\s*<h3>[^<]*<\/h3>/, '').replace(/<(\/?)h3>/g, '<$1h2>');

/** A page written in the repository (guidelines, privacy), rendered and sanitized on the server like posts. */
function DocumentPage({ title, read }: { title: string; read: () => Promise<{ html: string }> }) {
  const [html, setHtml] = useState<string | null>(null);
  useEffect(() => void read().then((r) => setHtml(r.html)), [title]);
  useView(html === null ? null : title);
  return html === null ? <p>Loading…</p> : (
    <section>
      <h1 tabIndex={-1}>{title}</h1>
      <div class="body" dangerouslySetInnerHTML={{ __html: asSections(html) }} />
    </section>
  );
}

export const Guidelines = () => <DocumentPage title="Community guidelines" read={api.guidelines} />;
export const Privacy = () => <DocumentPage title="Your privacy on Haven" read={api.privacy} />;

export function NotFound() {
  useView('Not found');
  return (
    <section>
      <h1 tabIndex={-1}>This page is not here</h1>
      <p>It may have moved, or the link may be mistyped. <a href="/">Go to the communities</a>.</p>
    </section>
  );
}

function RecoveryCode({ code }: { code: string }) {
  const [saved, setSaved] = useState(false);
  const [copied, setCopied] = useState(false);
  useView('Your recovery code');
  return (
    <section>
      <h1 tabIndex={-1}>Welcome to Haven</h1>
      <p>Your recovery code, shown only this once. Keep it somewhere safe: it is the only way back into your account if you forget your password.</p>
      <p class="code" data-testid="recovery-code">{code}</p>
      <button type="button" onClick={() => void navigator.clipboard?.writeText(code).then(() => setCopied(true), () => {})}>
        {copied ? 'Copied' : 'Copy'}
      </button>
      <label class="check">
        <input type="checkbox" checked={saved} onChange={(e) => setSaved((e.target as HTMLInputElement).checked)} /> I have saved it
      </label>
      <button type="button" disabled={!saved} onClick={() => navigate('/')}>Continue</button>
    </section>
  );
}

export function Login() {
  const [pseudonym, setPseudonym] = useState('');
  const [password, setPassword] = useState('');
  const [accept, setAccept] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [code, setCode] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useView('Log in or join');
  const act = (signup: boolean) => async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    if (signup && !accept) return setError('To join, read and accept the community guidelines first.');
    setBusy(true);
    try {
      if (signup) setCode((await api.signup(pseudonym, password)).recoveryCode);
      else await api.login(pseudonym, password);
      await loadMe();
      if (!signup) navigate('/');
    } catch (err) {
      setError(saidOf(err, 'That did not work. Please try again.'));
    } finally {
      setBusy(false);
    }
  };
  if (code) return <RecoveryCode code={code} />;
  return (
    <section>
      <h1 tabIndex={-1}>Log in or join</h1>
      <form class="login" onSubmit={act(false)}>
        <label for="pseudonym">Pseudonym</label>
        <input id="pseudonym" autocomplete="username" value={pseudonym} onInput={(e) => setPseudonym((e.target as HTMLInputElement).value)} />
        <label for="password">Password</label>
        <input id="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={busy}>Log in</button>
        <a href="/recover">Forgot password</a>
        <p>
          New here? Choose a pseudonym (not your real name) and a password of at least 10 characters.
        </p>
        <label class="check">
          <input type="checkbox" checked={accept} onChange={(e) => setAccept((e.target as HTMLInputElement).checked)} /> I have read and accept the{' '}
          <a href="/guidelines" target="_blank">community guidelines</a>
        </label>
        <p class="hint">What Haven keeps about you, and what it never keeps: <a href="/privacy">your privacy on Haven</a>.</p>
        <button type="button" disabled={busy} onClick={act(true)}>Join</button>
        {error && <p role="alert">{error}</p>}
      </form>
    </section>
  );
}
