import { useEffect } from 'preact/hooks';
import { api } from './api';
import { navigate, onLinkClick, path } from './router';
import { loadMe, me } from './session';
import { CommunityView, Guidelines, Home, Login } from './views/pages';
import { ThreadView } from './views/thread-view';

function Route() {
  const p = path.value;
  const thread = /^\/t\/(\d+)$/.exec(p);
  if (thread) return <ThreadView id={thread[1]!} />;
  const community = /^\/c\/([a-z0-9-]+)$/.exec(p);
  if (community) return <CommunityView slug={community[1]!} />;
  if (p === '/login') return <Login />;
  if (p === '/guidelines') return <Guidelines />;
  return <Home />;
}

export function App() {
  useEffect(() => void loadMe(), []);
  const logout = async () => {
    await api.logout();
    me.value = null;
    navigate('/');
  };
  return (
    <div onClick={onLinkClick}>
      <header class="top">
        <a href="/" class="brand">Haven</a>
        <nav>
          <a href="/guidelines">Guidelines</a>
          {me.value ? (
            <>
              <span data-testid="me">{me.value.pseudonym}</span>
              <button type="button" onClick={logout}>Log out</button>
            </>
          ) : (
            <a href="/login">Log in or join</a>
          )}
        </nav>
      </header>
      <main>
        <Route />
      </main>
    </div>
  );
}
