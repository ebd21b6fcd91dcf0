import { useState } from 'preact/hooks';
import type { LogEntry } from '../../../server/contract/moderation';
import { MOD_ACTION_NAMES, MOD_ACTIONS, type ModAction } from '../../../server/contract/vocabulary';
import { api, type LogFilter } from '../api';
import { useView } from '../router';
import { me } from '../session';
import { usePages } from '../use-pages';
import { isStaff, ModNav, Refused, when } from './mod-common';

/** A date field's day, as the start of that day in the moderator's own time zone. */
const startOfDay = (day: string) => (day ? new Date(`${day}T00:00:00`).toISOString() : undefined);
const dayAfter = (day: string) => {
  if (!day) return undefined;
  const d = new Date(`${day}T00:00:00`);
  d.setDate(d.getDate() + 1);
  return d.toISOString();
};

function Filters({ onApply }: { onApply: (f: LogFilter) => void }) {
  const [action, setAction] = useState<ModAction | ''>('');
  const [actor, setActor] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const apply = (event: Event) => {
    event.preventDefault();
    // "To" is a whole day: entries up to the end of it.
    onApply({ action: action || undefined, actor: actor.trim() || undefined, from: startOfDay(from), to: dayAfter(to) });
  };
  const clear = () => {
    setAction('');
    setActor('');
    setFrom('');
    setTo('');
    onApply({});
  };
  return (
    <form class="filters" onSubmit={apply} aria-label="Filter the log">
      <label for="log-action">Action</label>
      <select id="log-action" value={action} onChange={(e) => setAction((e.target as HTMLSelectElement).value as ModAction | '')}>
        <option value="">All actions</option>
        {MOD_ACTION_NAMES.map((a) => <option key={a} value={a}>{MOD_ACTIONS[a].log}</option>)}
      </select>
      <label for="log-actor">Moderator</label>
      <input id="log-actor" value={actor} maxLength={64} onInput={(e) => setActor((e.target as HTMLInputElement).value)} />
      <label for="log-from">From</label>
      <input id="log-from" type="date" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
      <label for="log-to">To</label>
      <input id="log-to" type="date" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
      <div class="actions">
        <button type="submit">Apply filters</button>
        <button type="button" onClick={clear}>Clear filters</button>
      </div>
    </form>
  );
}

/** How many entries the log shows, in words (for screen readers, as it changes). */
function said(n: number, more: boolean, filtered: boolean): string {
  const one = n === 1 && !more;
  return `${n}${more ? ' or more' : ''} ${one ? 'entry' : 'entries'}${filtered ? (one ? ' matches the filters' : ' match the filters') : ''}.`;
}

function Entry({ e }: { e: LogEntry }) {
  const label = MOD_ACTIONS[e.action as ModAction]?.log ?? e.action;
  return (
    <li>
      <strong>{e.actor}</strong> · {label}
      {e.target.author && <> · {e.target.author}</>}
      {e.target.threadId && <> · <a href={`/t/${e.target.threadId}${e.target.postId ? `#post-${e.target.postId}` : ''}`}>the post</a></>}
      {e.reason && <> · <span class="reason-text">{e.reason}</span></>}
      {' '}<time dateTime={e.at}>{when(e.at)}</time>
    </li>
  );
}

/** The moderation log, newest first, filtered. Anonymous authors stay sealed: the server names them by alias. */
export function ModLog() {
  const [filter, setFilter] = useState<LogFilter>({});
  const { items: entries, cursor, error, more } = usePages<LogEntry>(
    isStaff() ? `${me.value?.role}:${JSON.stringify(filter)}` : null,
    (cursor) => api.modLog(filter, cursor).then((r) => ({ items: r.entries, nextCursor: r.nextCursor })),
    'Could not load the log.',
  );
  useView(me.value === undefined ? null : 'Moderation log');
  if (me.value === undefined) return <p>Loading…</p>;
  if (!isStaff()) return <Refused title="Moderation log" text="Only moderators can see this page." />;
  const filtered = Object.values(filter).some((v) => v !== undefined);
  return (
    <section class="console">
      <h1 tabIndex={-1}>Moderation log</h1>
      <ModNav here="/mod/log" />
      <Filters onApply={setFilter} />
      {error ? <p role="alert">{error}</p> : !entries ? <p>Loading…</p> : (
        <>
          <p class="sr-only" role="status">{said(entries.length, cursor !== null, filtered)}</p>
          {entries.length === 0 ? <p>{filtered ? 'Nothing in the log matches these filters.' : 'Nothing logged yet.'}</p> : (
            <ul class="list log">{entries.map((e) => <Entry key={e.id} e={e} />)}</ul>
          )}
          {cursor && <button type="button" onClick={more}>Load more</button>}
        </>
      )}
    </section>
  );
}
