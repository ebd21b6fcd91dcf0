import { useEffect, useState } from 'preact/hooks';
import type { Goal, Journey, ToolkitItem } from '../../../server/contract/journey';
import { api, saidOf } from '../api';
import { useView } from '../router';
import { me } from '../session';
import { useAction } from '../use-action';
import { PostView } from './post-view';

/** A calendar date, said the way the member's browser says dates ("Mon 24 Nov"). */
const dayLabel = (date: string, style: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short' }) =>
  new Date(`${date}T12:00:00Z`).toLocaleDateString(undefined, { ...style, timeZone: 'UTC' });
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function ShareMilestone({ label }: { label: string }) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState(label);
  const [body, setBody] = useState(`Today I reached ${label}. Thank you to everyone here.`);
  const [anonymous, setAnonymous] = useState(false);
  const [shared, setShared] = useState<string | null>(null);
  const { busy, error, run } = useAction('It was not shared. Please try again.');
  if (shared) return <p role="status">Shared in Milestones and success stories. <a href={`/t/${shared}`}>See it there</a>.</p>;
  if (!open) return <button type="button" onClick={() => setOpen(true)}>Share this milestone</button>;
  return (
    <form class="composer" onSubmit={(e) => run(async () => setShared((await api.newThread('milestones', { title, body, anonymous, contentWarnings: [] })).thread.id), e)}>
      <label for="share-title">Title</label>
      <input id="share-title" value={title} required maxLength={200} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
      <label for="share-body">What you want to say</label>
      <textarea id="share-body" rows={4} value={body} required onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} />
      <label class="check"><input type="checkbox" checked={anonymous} onChange={(e) => setAnonymous((e.target as HTMLInputElement).checked)} /> Post anonymously</label>
      <div class="actions">
        <button type="submit" disabled={busy}>Share</button>
        <button type="button" onClick={() => setOpen(false)}>Cancel</button>
      </div>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

function Days({ j }: { j: Journey }) {
  const c = j.current;
  if (!c) {
    return (
      <section aria-labelledby="days-title">
        <h2 id="days-title">Days</h2>
        <p>You are not counting days. Counting is up to you: <a href="/settings">set a start date in Settings</a> if it helps.</p>
      </section>
    );
  }
  const latest = c.reached.at(-1);
  return (
    <section aria-labelledby="days-title">
      <h2 id="days-title">Days</h2>
      <p class="days-count"><strong>{plural(c.days, 'day', 'days')}</strong> since {dayLabel(c.startDate, { day: 'numeric', month: 'long', year: 'numeric' })}</p>
      {c.next && <p>Next milestone: <strong>{c.next.label}</strong>, in {plural(c.next.inDays, 'day', 'days')}.</p>}
      {c.reached.length > 0 && (
        <>
          <h3>Milestones reached</h3>
          <ul class="milestones">{c.reached.map((m) => <li key={m.days}>{m.label} <time dateTime={m.on}>{dayLabel(m.on, { day: 'numeric', month: 'short', year: 'numeric' })}</time></li>)}</ul>
        </>
      )}
      {latest && <ShareMilestone label={latest.label} />}
    </section>
  );
}

function History({ j }: { j: Journey }) {
  if (j.streaks.length === 0) return null;
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Your journey so far</h2>
      <p>Every day you have lived in recovery counts, and starting again is part of recovery. Only you can see this.</p>
      <p>In all: <strong>{plural(j.totalDays, 'day', 'days')}</strong> in recovery. Your longest stretch: <strong>{plural(j.longestStreak, 'day', 'days')}</strong>.</p>
      <h3>Earlier stretches</h3>
      <ul class="list">
        {j.streaks.map((s) => <li key={s.startDate}>{plural(s.days, 'day', 'days')} · {dayLabel(s.startDate, { day: 'numeric', month: 'short', year: 'numeric' })} to {dayLabel(s.endDate, { day: 'numeric', month: 'short', year: 'numeric' })}</li>)}
      </ul>
    </section>
  );
}

function GoalRow({ goal, week, onChange }: { goal: Goal; week: string[]; onChange: () => void }) {
  const { error, run } = useAction('That did not save. Please try again.');
  // A tick shows at once; it is undone if it could not be saved.
  const [done, setDone] = useState(goal.done);
  useEffect(() => setDone(goal.done), [goal.done.join()]);
  const tick = (day: string, on: boolean) => {
    setDone((d) => (on ? [...d, day] : d.filter((x) => x !== day)));
    void run(async () => {
      try {
        await api.tickGoal(goal.id, day, on);
      } catch (err) {
        setDone((d) => (on ? d.filter((x) => x !== day) : [...d, day]));
        throw err;
      }
    });
  };
  return (
    <tr>
      <th scope="row">
        {goal.title}
        <button type="button" class="link" aria-label={`Archive ${goal.title}`} onClick={() => run(async () => { await api.archiveGoal(goal.id); onChange(); })}>Archive</button>
        {error && <span role="alert">{error}</span>}
      </th>
      {week.map((day) => (
        <td key={day}>
          <input
            type="checkbox"
            aria-label={`${goal.title}, ${dayLabel(day, { weekday: 'long', day: 'numeric', month: 'long' })}`}
            checked={done.includes(day)}
            onChange={(e) => tick(day, (e.target as HTMLInputElement).checked)}
          />
        </td>
      ))}
    </tr>
  );
}

/** On a narrow screen the week scrolls sideways: it opens on today, at the right. */
const toToday = (el: HTMLDivElement | null) => {
  if (el) el.scrollLeft = el.scrollWidth;
};

function Goals({ j, onChange }: { j: Journey; onChange: () => void }) {
  const [title, setTitle] = useState('');
  const { busy, error, run } = useAction('The goal was not added. Please try again.');
  return (
    <section aria-labelledby="goals-title">
      <h2 id="goals-title">My goals</h2>
      <p class="hint">Small things that help, ticked off day by day. Private to you.</p>
      {j.goals.length > 0 && (
        <div class="week-scroll" ref={toToday}>
          <table class="week">
            <caption class="sr-only">Your goals this week</caption>
            <thead><tr><th scope="col">Goal</th>{j.week.map((d) => <th key={d} scope="col">{dayLabel(d, { weekday: 'short', day: 'numeric' })}</th>)}</tr></thead>
            <tbody>{j.goals.map((g) => <GoalRow key={g.id} goal={g} week={j.week} onChange={onChange} />)}</tbody>
          </table>
        </div>
      )}
      <form class="search-members" onSubmit={(e) => run(async () => { await api.addGoal(title); setTitle(''); onChange(); }, e)}>
        <label for="new-goal">New goal</label>
        <input id="new-goal" value={title} required maxLength={120} placeholder="Walk 20 minutes" onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={busy}>Add goal</button>
      </form>
      {error && <p role="alert">{error}</p>}
    </section>
  );
}

function Toolkit({ items, onChange }: { items: ToolkitItem[]; onChange: () => void }) {
  return (
    <section aria-labelledby="toolkit-title">
      <h2 id="toolkit-title">My toolkit</h2>
      {items.length === 0 ? <p class="hint">Posts you save with “Save to toolkit” gather here, for the hard moments.</p> : (
        <ul class="list">
          {items.map((i) => (
            <li key={i.post.id}>
              <PostView post={i.post} user={me.value} actions={
                <div class="post-actions">
                  <a href={`/t/${i.post.threadId}#post-${i.post.id}`}>In its thread</a>
                  <button type="button" onClick={async () => { await api.saveToToolkit(i.post.id, false); onChange(); }}>Remove from toolkit</button>
                </div>
              } />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** A member's own journey: days, milestones, earlier stretches, goals and toolkit. Nobody else sees it. */
export function JourneyView() {
  const [j, setJ] = useState<Journey | null>(null);
  const [kit, setKit] = useState<ToolkitItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async () => {
    try {
      let journey = await api.journey();
      // Days turn at the member's own midnight: the first visit tells Haven their zone.
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (journey.timeZone === null && zone) {
        me.value = (await api.preferences({ timeZone: zone })).user;
        journey = await api.journey();
      }
      setJ(journey);
      setKit((await api.toolkit()).items);
    } catch (err) {
      setError(saidOf(err, 'Could not load your journey.'));
    }
  };
  useEffect(() => void (me.value && load()), [me.value?.id]);
  useView(me.value === null ? 'My journey' : j ? 'My journey' : null);
  if (me.value === null) return <p><a href="/login">Log in to see your journey</a></p>;
  if (error) return <p role="alert">{error}</p>;
  if (!j || !kit) return <p>Loading…</p>;
  return (
    <section class="journey">
      <h1 tabIndex={-1}>My journey</h1>
      <Days j={j} />
      <History j={j} />
      <Goals j={j} onChange={() => void load()} />
      <Toolkit items={kit} onChange={() => void load()} />
    </section>
  );
}
