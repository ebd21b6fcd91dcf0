import { useEffect } from 'preact/hooks';
import type { CrisisResource } from '../../../server/contract/forum';
import { crisis, loadCrisis } from '../crisis';

/**
 * The number a tap can dial, when the contact gives exactly one ("Call or text 988",
 * "1-800-662-4357"); none when it lists several for different countries.
 */
function phoneIn(contact: string): string | null {
  const numbers = contact.match(/\+?\d[\d\s-]{1,14}\d/g) ?? [];
  if (numbers.length !== 1) return null;
  const digits = numbers[0]!.replace(/[\s-]/g, '');
  return digits.length >= 3 ? digits : null;
}

export function Resources({ resources }: { resources: CrisisResource[] }) {
  return (
    <ul class="resources">
      {resources.map((r) => {
        const phone = phoneIn(r.contact);
        return (
          <li key={r.name}>
            <strong>{r.name}</strong>
            {r.region && <span class="muted"> ({r.region})</span>}
            <br />
            {phone ? <a href={`tel:${phone}`}>{r.contact}</a> : r.contact}
            {r.url && (
              <>
                {' '}
                <a href={r.url} rel="noopener noreferrer" target="_blank">{r.url.replace(/^https?:\/\//, '')}</a>
              </>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** Said gently, never blocking: the resources for someone who may be in crisis. */
export function CrisisNote({ resources, after }: { resources: CrisisResource[]; after?: boolean }) {
  return (
    <aside class="crisis" role="note" aria-label="Help is available">
      <p>
        {after
          ? 'Thank you for sharing this. If you are in danger or thinking of ending your life, please reach someone now:'
          : 'It sounds like things are really hard right now. You can reach someone now:'}
      </p>
      <Resources resources={resources} />
    </aside>
  );
}

/** "I need help": the crisis resources, for members and visitors alike. */
export function HelpDialog({ onClose }: { onClose: () => void }) {
  useEffect(() => {
    void loadCrisis();
    document.getElementById('help-title')?.focus();
    // Escape closes the dialog (and, pressed twice, still leaves Haven: see quick-exit.ts).
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onClose();
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
  const config = crisis.value;
  return (
    <div class="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <section class="dialog" role="dialog" aria-modal="true" aria-labelledby="help-title">
        <h2 id="help-title" tabIndex={-1}>You are not alone</h2>
        <p>If you are in danger right now, call your local emergency number. These people can help, any time:</p>
        {config ? <Resources resources={config.resources} /> : <p>Loading…</p>}
        <button type="button" onClick={onClose}>Close</button>
      </section>
    </div>
  );
}
