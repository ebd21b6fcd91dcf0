import { useState } from 'preact/hooks';
import { CONTENT_WARNING_CATEGORIES, CONTENT_WARNING_LABELS, WARNING_PREFERENCES, type ContentWarning, type WarningPreference } from '../../../server/contract/vocabulary';
import type { User } from '../../../server/contract/accounts';
import { api } from '../api';
import { useAction } from '../use-action';
import { navigate, useView } from '../router';
import { loadMe, me } from '../session';

const CHOICE_LABELS: Record<WarningPreference, string> = { show: 'Show', collapse: 'Collapse', hide: 'Hide' };

/** One form of the settings page: its own button, its own answer, Enter submits it. */
function Section(props: { title: string; button: string; run: () => Promise<string | void>; children: preact.ComponentChildren; danger?: boolean }) {
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, run } = useAction('That did not work. Please try again.');
  const submit = (event: Event) =>
    run(async () => {
      setDone(null);
      setDone((await props.run()) ?? 'Saved.');
    }, event);
  const id = props.title.toLowerCase().replace(/\W+/g, '-');
  return (
    <form class={`settings-section${props.danger ? ' danger' : ''}`} onSubmit={submit} aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.children}
      <button type="submit" disabled={busy}>{busy ? 'Working…' : props.button}</button>
      {error ? <p role="alert">{error}</p> : done && <p role="status">{done}</p>}
    </form>
  );
}

export function Settings() {
  useView(me.value ? 'Settings' : null);
  if (me.value === null) return <p><a href="/login">Log in to change your settings</a></p>;
  if (me.value === undefined) return <p>Loading…</p>;
  return <SettingsOf user={me.value} />;
}

function SettingsOf({ user }: { user: User }) {
  const [choices, setChoices] = useState<Record<ContentWarning, WarningPreference>>({ ...user.preferences.contentWarnings });
  const [start, setStart] = useState(user.preferences.recoveryStartDate ?? '');
  const [showDays, setShowDays] = useState(user.preferences.showRecoveryDays);
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const [zone, setZone] = useState(user.preferences.timeZone ?? browserZone ?? 'UTC');
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [password, setPassword] = useState('');
  const [erase, setErase] = useState(false);
  return (
    <section>
      <h1 tabIndex={-1}>Settings</h1>
      <p>
        Logged in as <strong>{user.pseudonym}</strong>.{' '}
        <button type="button" onClick={async () => { await api.logout(); await loadMe(); navigate('/'); }}>Log out</button>
      </p>
      <Section title="Content warnings" button="Save warnings" run={async () => void (me.value = (await api.preferences({ contentWarnings: choices })).user)}>
        <p class="hint">For posts marked with these, choose what you see. Your own posts always show.</p>
        {CONTENT_WARNING_CATEGORIES.map((w) => (
          <fieldset key={w} class="choice">
            <legend>{CONTENT_WARNING_LABELS[w]}</legend>
            {WARNING_PREFERENCES.map((p) => (
              <label key={p} class="check">
                <input type="radio" name={`cw-${w}`} checked={choices[w] === p} onChange={() => setChoices({ ...choices, [w]: p })} /> {CHOICE_LABELS[p]}
              </label>
            ))}
          </fieldset>
        ))}
      </Section>
      <Section title="Recovery days" button="Save recovery days" run={async () => {
        const wasShown = me.value?.preferences.showRecoveryDays;
        const user = (await api.preferences({ recoveryStartDate: start || null, showRecoveryDays: showDays, timeZone: zone })).user;
        me.value = user;
        setShowDays(user.preferences.showRecoveryDays);
        if (wasShown && showDays && !user.preferences.showRecoveryDays) {
          return 'Saved. Your days are no longer shown on your posts, so nobody sees a new count. Show them again whenever you like.';
        }
      }}>
        <label for="recovery-start">Recovery start date</label>
        <input id="recovery-start" type="date" value={start} max={new Date().toLocaleDateString('en-CA')} onInput={(e) => setStart((e.target as HTMLInputElement).value)} />
        <label for="time-zone">Time zone (your days turn at midnight here)</label>
        <select id="time-zone" value={zone} onChange={(e) => setZone((e.target as HTMLSelectElement).value)}>
          {[...new Set([zone, ...Intl.supportedValuesOf('timeZone')])].map((z) => <option key={z} value={z}>{z.replace(/_/g, ' ')}</option>)}
        </select>
        <label class="check">
          <input type="checkbox" checked={showDays} onChange={(e) => setShowDays((e.target as HTMLInputElement).checked)} /> Show my days
        </label>
        <p class="hint">Shown next to your pseudonym on your posts, never on anonymous ones. A new start date is private: your days stop being shown, so nobody sees a count go back, and your earlier stretches stay in <a href="/journey">My journey</a>, for you alone.</p>
      </Section>
      <Section title="Password" button="Change password" run={async () => {
        await api.changePassword(current, next);
        setCurrent('');
        setNext('');
        return 'Your password is changed. Your other sessions have ended.';
      }}>
        <label for="current-password">Current password</label>
        <input id="current-password" type="password" autocomplete="current-password" value={current} onInput={(e) => setCurrent((e.target as HTMLInputElement).value)} />
        <label for="new-password">New password</label>
        <input id="new-password" type="password" autocomplete="new-password" value={next} onInput={(e) => setNext((e.target as HTMLInputElement).value)} />
      </Section>
      <Section title="Sessions" button="Log out everywhere" run={async () => {
        await api.logoutEverywhere();
        await loadMe();
        navigate('/');
      }}>
        <p class="hint">Ends every session of your account, on every device, this one too.</p>
      </Section>
      <section class="settings-section" aria-labelledby="your-data">
        <h2 id="your-data">Your data</h2>
        <p class="hint">Everything Haven keeps about you, as one file.</p>
        <a class="button" href="/api/me/export" download="haven-export.json">Download my data</a>
      </section>
      <Section title="Delete my account" button="Delete my account" danger run={async () => {
        await api.deleteAccount(password, erase);
        await loadMe();
        navigate('/');
      }}>
        <p class="hint">This cannot be undone. Your pseudonym is kept from others for 30 days.</p>
        <label for="delete-password">Password</label>
        <input id="delete-password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        <label class="check">
          <input type="checkbox" checked={erase} onChange={(e) => setErase((e.target as HTMLInputElement).checked)} /> Also erase everything I posted
        </label>
      </Section>
    </section>
  );
}
