/**
 * Quick exit: for a member whose screen someone else is about to see. The page becomes a
 * neutral site, and Back does not lead to Haven: the tab first returns to the entry it
 * opened Haven on (undoing Haven's own history entries), then replaces that entry.
 */
export const NEUTRAL_SITE = 'https://www.google.com/search?q=weather';

/** How many history entries this tab has added within Haven (kept across reloads). */
const DEPTH_KEY = 'haven.depth';
export const historyDepth = () => Number(sessionStorage.getItem(DEPTH_KEY) ?? '0');
export const setHistoryDepth = (n: number) => sessionStorage.setItem(DEPTH_KEY, String(Math.max(0, n)));

export function quickExit() {
  document.title = 'Weather';
  document.body.replaceChildren(); // nothing of Haven stays on screen while the tab navigates
  const depth = historyDepth();
  sessionStorage.clear();
  if (depth > 0) {
    // Going back may land on an entry of an earlier page load, which loads Haven afresh:
    // the flag makes that load leave at once (finishQuickExit, first thing in main.tsx).
    sessionStorage.setItem(EXITING_KEY, '1');
    addEventListener('popstate', () => leave(), { once: true });
    history.go(-depth);
  } else {
    leave();
  }
}

const EXITING_KEY = 'haven.exiting';

function leave() {
  sessionStorage.removeItem(EXITING_KEY);
  location.replace(NEUTRAL_SITE);
}

/** True (and on its way out) when this page load is the last step of a quick exit. */
export function finishQuickExit(): boolean {
  if (sessionStorage.getItem(EXITING_KEY) !== '1') return false;
  leave();
  return true;
}

/** Escape pressed twice within a second also exits. */
export function listenForEscape() {
  let last = 0;
  addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    const now = Date.now();
    if (now - last < 1_000) quickExit();
    last = now;
  });
}
