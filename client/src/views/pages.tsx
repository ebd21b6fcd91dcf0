import { useEffect, useState } from 'preact/hooks';
import type { Thread } from '../../../server/contract/forum';
import { api, ApiError, type Community } from '../api';
import { navigate } from '../router';
import { loadMe } from '../session';

export function Home() {
  const [communities, setCommunities] = useState<Community[] | null>(null);
  useEffect(() => void api.communities().then((r) => setCommunities(r.communities), () => setCommunities([])), []);
  if (!communities) return <p>Loading…</p>;
  return (
    <section>
      <h2>Communities</h2>
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

export function CommunityView({ slug }: { slug: string }) {
  const [threads, setThreads] = useState<Thread[] | null>(null);
  useEffect(() => void api.threads(slug).then((r) => setThreads(r.threads), () => setThreads([])), [slug]);
  if (!threads) return <p>Loading…</p>;
  return (
    <section>
      <ul class="list">
        {threads.map((t) => (
          <li key={t.id}>
            <a href={`/t/${t.id}`}>{t.title}</a>{' '}
            <span class="muted">
              {t.author.anonymous ? t.author.alias : t.author.pseudonym} · {t.replyCount} replies
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Guidelines() {
  const [html, setHtml] = useState<string | null>(null);
  useEffect(() => void api.guidelines().then((r) => setHtml(r.html)), []);
  // Rendered and sanitized on the server, like posts.
  return html === null ? <p>Loading…</p> : <section class="body" dangerouslySetInnerHTML={{ __html: html }} />;
}

export function Login() {
  const [pseudonym, setPseudonym] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [code, setCode] = useState<string | null>(null);
  const act = (signup: boolean) => async (event: Event) => {
    event.preventDefault();
    try {
      if (signup) setCode((await api.signup(pseudonym, password)).recoveryCode);
      else await api.login(pseudonym, password);
      await loadMe();
      if (!signup) navigate('/');
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'That did not work.');
    }
  };
  if (code) {
    return (
      <section>
        <h2>Welcome to Haven</h2>
        <p>Your recovery code, shown only this once. Keep it somewhere safe: it is the only way back into your account.</p>
        <p class="code" data-testid="recovery-code">{code}</p>
        <a href="/">Continue</a>
      </section>
    );
  }
  return (
    <form class="login" onSubmit={act(false)}>
      <label for="pseudonym">Pseudonym</label>
      <input id="pseudonym" autocomplete="username" value={pseudonym} onInput={(e) => setPseudonym((e.target as HTMLInputElement).value)} />
      <label for="password">Password</label>
      <input id="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
      <button type="submit">Log in</button>
      <p>
        New here? Joining means you accept the <a href="/guidelines">community guidelines</a>.
      </p>
      <button type="button" onClick={act(true)}>Join and accept the guidelines</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}
