import { render } from 'preact';
import { App } from './app';
import { finishQuickExit, listenForEscape } from './quick-exit';
import { prefetchThread } from './api';
import { loadMe } from './session';
import './styles.css';

if (!finishQuickExit()) {
  listenForEscape();
  // Who is reading is asked at once, alongside the first view's own request, not after the first render.
  void loadMe();
  prefetchThread(location.pathname);
  render(<App />, document.getElementById('app')!);
}
