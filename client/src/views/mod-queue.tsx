import { useEffect, useRef, useState } from 'preact/hooks';
import type { QueueItem } from '../../../server/contract/moderation';
import { api, saidOf } from '../api';
import { live } from '../live';
import { useView } from '../router';
import { me } from '../session';
import { isStaff, openFlags, QUEUE_EVENTS } from '../staff';
import { ModNav, Refused } from './mod-common';
import { Item, type Command } from './mod-item';

const SHORTCUTS: Array<[string, string]> = [
  ['j', 'Next item'],
  ['k', 'Previous item'],
  ['h', 'Hide the selected post (asks for the reason first)'],
  ['r', 'Restore the selected post'],
  ['d', 'Dismiss the selected item’s flags'],
  ['?', 'Show or hide this list'],
];

function Shortcuts({ onClose }: { onClose: () => void }) {
  return (
    <section class="shortcuts" aria-labelledby="shortcuts-title">
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <dl>{SHORTCUTS.map(([key, what]) => <div key={key}><dt><kbd>{key}</kbd></dt><dd>{what}</dd></div>)}</dl>
      <button type="button" onClick={onClose}>Close shortcuts</button>
    </section>
  );
}

/** Keys typed into a field are words, not commands. */
function typing(event: KeyboardEvent): boolean {
  const el = event.target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

/**
 * j/k move through the queue, h/r/d act on the selected item, ? lists the keys. Moving
 * focuses the item, so a screen reader reads it and Tab goes on to its buttons. The key
 * handler is registered once and reads the list and the selection from refs, so a key
 * pressed right after another acts on what the first one did, however late the page
 * re-renders.
 */
function useQueueKeys(items: QueueItem[] | null, setShortcuts: (f: (v: boolean) => boolean) => void) {
  const [selected, setSelectedState] = useState(0);
  const [command, setCommand] = useState<Command | null>(null);
  const seq = useRef(0);
  const itemsRef = useRef(items);
  itemsRef.current = items;
  const selectedRef = useRef(0);
  const setSelected = (i: number) => {
    selectedRef.current = i;
    setSelectedState(i);
  };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
      if (event.key === '?') {
        setShortcuts((v) => !v);
        event.preventDefault();
        return;
      }
      const list = itemsRef.current;
      if (!list || list.length === 0) return;
      const at = Math.min(selectedRef.current, list.length - 1);
      const move = (to: number) => {
        const i = Math.max(0, Math.min(list.length - 1, to));
        setSelected(i);
        document.getElementById(`queue-${list[i]!.id}`)?.focus();
      };
      if (event.key === 'j' || event.key === 'k') {
        // The first press lands on the selected item itself; later ones move from it.
        const inQueue = (document.activeElement as HTMLElement | null)?.closest('.queue-item');
        move(inQueue ? at + (event.key === 'j' ? 1 : -1) : at);
      } else if (event.key === 'h' || event.key === 'r' || event.key === 'd') {
        setCommand({ kind: ({ h: 'hide', r: 'restore', d: 'dismiss' } as const)[event.key], itemId: list[at]!.id, seq: ++seq.current });
      } else return;
      event.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  // The list changes under the selection (an item resolved elsewhere): keep it in range.
  const current = items && items.length ? Math.min(selected, items.length - 1) : 0;
  return { selected: current, setSelected, command };
}

/** The moderators' queue: open flags grouped by post, crisis first, arriving live. */
export function ModQueue() {
  const [items, setItems] = useState<QueueItem[] | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [announce, setAnnounce] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [shortcuts, setShortcuts] = useState(false);
  const { selected, setSelected, command } = useQueueKeys(items, setShortcuts);
  useView(items ? 'Moderation queue' : me.value && !isStaff() ? 'Moderation' : null);
  const load = async (mark = false) => {
    try {
      const r = await api.modQueue();
      setItems((before) => {
        if (mark && before) {
          const known = new Set(before.map((i) => i.id));
          const added = r.flags.filter((i) => !known.has(i.id));
          setFresh(new Set(added.map((i) => i.id)));
          if (added.some((i) => i.reasons.crisis)) setAnnounce('A crisis flag arrived. It is at the top of the queue.');
        }
        return r.flags;
      });
      openFlags.value = r.flags.length;
    } catch (err) {
      setError(saidOf(err, 'Could not load the queue.'));
    }
  };
  useEffect(() => {
    if (!isStaff()) return;
    void load();
    // New flags are highlighted; another moderator's action just updates the item.
    return live.subscribe('mod', (event) => QUEUE_EVENTS.has(event.event) && void load(event.event === 'flag.created'));
  }, [me.value?.role]);
  if (me.value === undefined) return <p>Loading…</p>;
  if (!isStaff()) return <Refused title="Moderation" text="Only moderators can see this page." />;
  if (error) return <p role="alert">{error}</p>;
  if (!items) return <p>Loading…</p>;
  return (
    <section class="console">
      <h1 tabIndex={-1}>Moderation queue</h1>
      <ModNav here="/mod" />
      <p class="hint">
        Press <kbd>?</kbd> for keyboard shortcuts. <button type="button" class="link" onClick={() => setShortcuts((v) => !v)}>Keyboard shortcuts</button>
      </p>
      {shortcuts && <Shortcuts onClose={() => setShortcuts(false)} />}
      <p class="sr-only" aria-live="assertive">{announce}</p>
      {items.length === 0 ? <p>No open flags. Thank you for keeping Haven safe.</p> : (
        <ul class="list queue">
          {items.map((item, i) => (
            <Item key={item.id} item={item} fresh={fresh.has(item.id)} selected={i === selected} command={command} onSelect={() => setSelected(i)} onDone={() => void load()} />
          ))}
        </ul>
      )}
    </section>
  );
}
