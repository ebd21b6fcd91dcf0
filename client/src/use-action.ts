import { useState } from 'preact/hooks';
import { saidOf } from './api';

/**
 * A form's one action: it cannot run twice at once (the button shows it is sending), and
 * a failure becomes a sentence for the member (the field and its rule, when the server
 * named one).
 */
export function useAction(fallback: string) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (work: () => Promise<void>, event?: Event) => {
    event?.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(saidOf(err, fallback));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}
