import { useState } from 'preact/hooks';
import { FLAG_REASONS, type FlagReason } from '../../../server/contract/vocabulary';
import { api, saidOf } from '../api';

const LABELS: Record<FlagReason, string> = {
  crisis: 'Someone may be in danger',
  triggering: 'Triggering without a warning',
  harassment: 'Harassment',
  spam: 'Spam',
  other: 'Something else',
};
/** Crisis first: the reason that matters most is the easiest to find. */
const ORDER: FlagReason[] = ['crisis', ...FLAG_REASONS.filter((r) => r !== 'crisis')];

/** "Flag": a reason (and a note), sent to the moderators; the flagger is never shown to anyone. */
export function FlagForm({ postId, onDone }: { postId: string; onDone: () => void }) {
  const [reason, setReason] = useState<FlagReason>('crisis');
  const [note, setNote] = useState('');
  const [state, setState] = useState<'idle' | 'sending' | 'sent'>('idle');
  const [error, setError] = useState<string | null>(null);
  if (state === 'sent') {
    return (
      <p role="status">
        Thank you. The moderators will look at it. <button type="button" onClick={onDone}>Close</button>
      </p>
    );
  }
  const submit = async (event: Event) => {
    event.preventDefault();
    if (state === 'sending') return;
    setState('sending');
    try {
      await api.flag(postId, reason, note.trim() || undefined);
      setState('sent');
    } catch (err) {
      setError(saidOf(err, 'The flag could not be sent.'));
      setState('idle');
    }
  };
  return (
    <form class="flag" onSubmit={submit}>
      <fieldset>
        <legend>Why are you flagging this post?</legend>
        {ORDER.map((r) => (
          <label key={r} class="check">
            <input type="radio" name={`flag-${postId}`} checked={reason === r} onChange={() => setReason(r)} /> {LABELS[r]}
          </label>
        ))}
      </fieldset>
      <label for={`flag-note-${postId}`}>Note for the moderators (optional)</label>
      <input id={`flag-note-${postId}`} value={note} maxLength={500} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
      <div class="actions">
        <button type="submit" disabled={state === 'sending'}>Send flag</button>
        <button type="button" onClick={onDone}>Cancel</button>
      </div>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}
