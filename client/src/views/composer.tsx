import { useEffect, useState } from 'preact/hooks';
import { CONTENT_WARNING_CATEGORIES, CONTENT_WARNING_LABELS, type ContentWarning } from '../../../server/contract/vocabulary';
import type { CrisisResource } from '../../../server/contract/forum';
import { api, saidOf } from '../api';
import { crisis, loadCrisis, readsLikeCrisis } from '../crisis';
import { me, suspensionEnd } from '../session';
import { useAction } from '../use-action';
import { CrisisNote } from './help';

export interface Draft {
  body: string;
  contentWarnings: ContentWarning[];
  anonymous: boolean;
}

/**
 * The one composer, for new threads and replies: body, content warnings, "Post
 * anonymously" (said plainly), a preview rendered by the server only when asked, and the
 * crisis resources shown gently while typing (checked in the browser) and kept on screen
 * after posting when the server sends them.
 */
export function Composer(props: {
  label: string;
  submitLabel: string;
  /** Fields above the body (a title). */
  children?: preact.ComponentChildren;
  send: (draft: Draft) => Promise<{ crisisResources?: CrisisResource[] | undefined }>;
  onCancel?: () => void;
  /** Editing: what the post says now; no anonymity choice (that is "Make anonymous"). */
  initial?: { body: string; contentWarnings: ContentWarning[] };
  editing?: boolean;
}) {
  const [body, setBody] = useState(props.initial?.body ?? '');
  const [warnings, setWarnings] = useState<ContentWarning[]>(props.initial?.contentWarnings ?? []);
  const [anonymous, setAnonymous] = useState(false);
  const [preview, setPreview] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction('That could not be sent. Please try again.');
  const [afterPost, setAfterPost] = useState<CrisisResource[] | null>(null);
  useEffect(() => void loadCrisis(), []);
  // Read the signal first, so that the phrases arriving after the draft still re-render it.
  const config = crisis.value;
  const needsHelp = config !== null && readsLikeCrisis(body);

  const submit = (event: Event) =>
    run(async () => {
      const answer = await props.send({ body, contentWarnings: warnings, anonymous });
      setAfterPost(answer.crisisResources?.length ? answer.crisisResources : null);
      setBody('');
      setWarnings([]);
      setAnonymous(false); // anonymity is chosen post by post, never carried over
      setPreview(null);
    }, event);
  const showPreview = async () => {
    try {
      setPreview((await api.preview(body)).html);
    } catch (err) {
      setError(saidOf(err, 'The preview could not be made.'));
    }
  };
  const toggle = (w: ContentWarning, on: boolean) => setWarnings((list) => (on ? [...list, w] : list.filter((x) => x !== w)));
  const id = props.label.toLowerCase().replace(/\W+/g, '-');
  // Said before typing, not after sending: a suspended member can read but not post.
  if (me.value?.suspension) {
    return <p class="notice">You cannot post until {suspensionEnd(me.value.suspension.until)}.</p>;
  }
  return (
    <form class="composer" onSubmit={submit}>
      {props.children}
      <label for={`${id}-body`}>{props.label}</label>
      <textarea
        id={`${id}-body`}
        value={body}
        maxLength={20000}
        required
        onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => e.key === 'Enter' && (e.ctrlKey || e.metaKey) && void submit(e)}
      />
      {needsHelp && <CrisisNote resources={config.resources} />}
      <fieldset class="warnings-choice">
        <legend>Content warnings (readers choose whether to see posts with them)</legend>
        {CONTENT_WARNING_CATEGORIES.map((w) => (
          <label key={w} class="check">
            <input type="checkbox" checked={warnings.includes(w)} onChange={(e) => toggle(w, (e.target as HTMLInputElement).checked)} /> {CONTENT_WARNING_LABELS[w]}
          </label>
        ))}
      </fieldset>
      {!props.editing && (
        <>
          <label class="check">
            <input type="checkbox" checked={anonymous} onChange={(e) => setAnonymous((e.target as HTMLInputElement).checked)} aria-describedby={`${id}-anon-help`} /> Post anonymously
          </label>
          <p id={`${id}-anon-help`} class="hint">
            Hides your pseudonym from everyone, moderators included; this post shows an alias instead. What you write can still
            identify you, so leave out names, places and details you would not share.
          </p>
        </>
      )}
      <div class="actions">
        <button type="button" onClick={showPreview} disabled={!body.trim()}>Preview</button>
        <button type="submit" disabled={busy}>{busy ? 'Sending…' : props.submitLabel}</button>
        {props.onCancel && <button type="button" onClick={props.onCancel}>Cancel</button>}
      </div>
      {error && <p role="alert">{error}</p>}
      {preview !== null && (
        <section class="preview" aria-label="Preview">
          <div class="body" dangerouslySetInnerHTML={{ __html: preview }} />
        </section>
      )}
      {afterPost && <CrisisNote resources={afterPost} after />}
    </form>
  );
}
