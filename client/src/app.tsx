import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import { quickExit } from './quick-exit';
import { navigate, onLinkClick, path } from './router';
import { loadMe, me, suspensionEnd, unread } from './session';
import { HelpDialog } from './views/help';
import { Inbox } from './views/inbox';
import { NewThread } from './views/new-thread';
import { CommunityView, Guidelines, Home, Login, NotFound, Privacy } from './views/pages';
import { JourneyView } from './views/journey';
import { isStaff, openFlags, watchQueueCount } from './staff';
import { Recover } from './views/recover';
import { SearchBox, SearchView } from './views/search';
import { Settings } from './views/settings';
import { ThreadView } from './views/thread-view';

type ConsoleViews = typeof import('./views/console');
/** The console's pages, each a view of the console chunk. */
const CONSOLE: Record<string, keyof ConsoleViews> = { '/mod': 'ModQueue', '/mod/log': 'ModLog', '/mod/members': 'Members', '/mod/suspensions': 'Suspensions' };
let consoleChunk: Promise<ConsoleViews> | undefined;

/** A console page: its chunk is fetched the first time one is opened. */
function Console({ view }: { view: keyof ConsoleViews }) {
  const [views, setViews] = useState<ConsoleViews | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    consoleChunk ??= import('./views/console');
    consoleChunk.then(setViews, () => {
      consoleChunk = undefined;
      setFailed(true);
    });
  }, []);
  if (failed) return <p role="alert">Could not load the moderation console. Please reload the page.</p>;
  if (!views) return <p>Loading…</p>;
  const View = views[view];
  return <View />;
}

function Route() {
  const p = path.value;
  const thread = /^\/t\/(\d+)$/.exec(p);
  if (thread) return <ThreadView id={thread[1]!} />;
  const newThread = /^\/c\/([a-z0-9-]+)\/new$/.exec(p);
  if (newThread) return <NewThread slug={newThread[1]!} />;
  const community = /^\/c\/([a-z0-9-]+)$/.exec(p);
  if (community) return <CommunityView slug={community[1]!} />;
  if (p === '/login') return <Login />;
  if (p === '/recover') return <Recover />;
  if (p === '/inbox') return <Inbox />;
  if (p === '/settings') return <Settings />;
  if (p === '/search') return <SearchView />;
  const consolePage = CONSOLE[p];
  if (consolePage) return <Console view={consolePage} />;
  if (p === '/guidelines') return <Guidelines />;
  if (p === '/privacy') return <Privacy />;
  if (p === '/journey') return <JourneyView />;
  if (p === '/') return <Home />;
  return <NotFound />;
}

/**
 * A count beside a link: its visible number is part of the link's name ("Notifications 2
 * unread"), so what a speech user sees is what they can say. Nothing shows at zero.
 */
function Count({ n, what }: { n: number; what: string }) {
  if (n <= 0) return null;
  return <> <span class="count">{n}</span><span class="sr-only"> {what}</span></>;
}

function Header() {
  const [help, setHelp] = useState(false);
  const logout = async () => {
    await api.logout();
    await loadMe();
    navigate('/');
  };
  return (
    <header class="top">
      <a href="/" class="brand">Haven</a>
      <SearchBox />
      <nav aria-label="Haven">
        <button type="button" class="help" onClick={() => setHelp(true)}>I need help</button>
        <button type="button" class="exit" onClick={quickExit} title="Leaves Haven at once (or press Escape twice)">Quick exit</button>
        {me.value ? (
          <>
            {isStaff() && (
              <a href="/mod">
                Moderation<Count n={openFlags.value ?? 0} what="open" />
              </a>
            )}
            <a href="/journey">My journey</a>
            <a href="/inbox" class="inbox">
              Notifications<Count n={unread.value} what="unread" />
            </a>
            <a href="/settings" class="who" data-testid="me" aria-label={`${me.value.pseudonym}, settings`}>{me.value.pseudonym}</a>
            <button type="button" class="logout" onClick={logout}>Log out</button>
          </>
        ) : (
          me.value === null && <a href="/login">Log in or join</a>
        )}
      </nav>
      {help && <HelpDialog onClose={() => setHelp(false)} />}
      <p class="sr-only" aria-live="polite">{unread.value > 0 ? `${unread.value} unread notifications` : ''}</p>
    </header>
  );
}

export function App() {
  // Moderators see the open flags counted in the header, live.
  useEffect(() => void watchQueueCount(), [me.value?.role]);
  return (
    <div onClick={onLinkClick}>
      <a href="#main" class="skip">Skip to content</a>
      <Header />
      {me.value?.suspension && (
        <p class="suspended" role="status">
          Your account is suspended from posting until {suspensionEnd(me.value.suspension.until)}
          {me.value.suspension.reason ? `: ${me.value.suspension.reason}` : ''}. You can still read.
        </p>
      )}
      <main id="main">
        <Route />
      </main>
      <footer class="foot">
        <a href="/guidelines">Community guidelines</a>
        <a href="/privacy">Privacy</a>
      </footer>
    </div>
  );
}
