import { render } from 'preact';
import { App } from './app';
import { finishQuickExit, listenForEscape } from './quick-exit';
import './styles.css';

if (!finishQuickExit()) {
  listenForEscape();
  render(<App />, document.getElementById('app')!);
}
