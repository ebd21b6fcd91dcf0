import { useState } from 'preact/hooks';
import type { User } from '../../../server/contract/accounts';
import { CONTENT_WARNING_LABELS, type ContentWarning } from '../../../server/contract/vocabulary';
import type { Post } from '../../../server/contract/forum';

/** The strictest of the reader's choices over a post's warnings (visitors: collapse). */
function choiceFor(warnings: ContentWarning[], user: User | null | undefined): 'show' | 'collapse' | 'hide' {
  const rank = { show: 0, collapse: 1, hide: 2 } as const;
  let choice: 'show' | 'collapse' | 'hide' = 'show';
  for (const w of warnings) {
    const c = user?.preferences.contentWarnings[w] ?? 'collapse';
    if (rank[c] > rank[choice]) choice = c;
  }
  return choice;
}

function Body({ html }: { html: string }) {
  // bodyHtml was rendered and sanitized on the server against a strict allowlist.
  return <div class="body" dangerouslySetInnerHTML={{ __html: html }} />;
}

/**
 * One post as this reader may see it: deleted, hidden by moderators (with the reason; the
 * author still sees their words), muted, or behind the reader's content-warning choice
 * ("Show post" for collapsed, "Show anyway" for hidden). One's own posts are never hidden
 * from oneself.
 */
export function PostView({ post, user, actions }: { post: Post; user: User | null | undefined; actions?: preact.ComponentChildren }) {
  const [opened, setOpened] = useState(false);
  const author = post.author.anonymous ? post.author.alias : post.author.pseudonym;
  const days = !post.author.anonymous && post.author.recoveryDays !== undefined ? `${post.author.recoveryDays} days` : null;
  const labels = post.contentWarnings.map((w) => CONTENT_WARNING_LABELS[w]).join(', ');
  let content;
  if (post.deleted) content = <p class="notice">This post was deleted.</p>;
  else if (post.hidden && post.bodyHtml === null) {
    content = <p class="notice" data-testid="hidden-notice">Hidden by {post.hidden.by === 'moderator' ? 'a moderator' : 'the community'}: {post.hidden.reason}</p>;
  } else if (post.muted) content = <p class="notice">You muted this member.</p>;
  else {
    const choice = post.mine || opened ? 'show' : choiceFor(post.contentWarnings, user);
    const body = post.bodyHtml !== null ? <Body html={post.bodyHtml} /> : null;
    if (choice === 'hide') {
      content = (
        <p class="notice">
          1 post hidden by your settings ({labels}). <button type="button" onClick={() => setOpened(true)}>Show anyway</button>
        </p>
      );
    } else if (choice === 'collapse') {
      content = (
        <p class="notice">
          Content warning: {labels}. <button type="button" onClick={() => setOpened(true)}>Show post</button>
        </p>
      );
    } else content = body;
    if (post.hidden) content = <>{<p class="notice" data-testid="hidden-notice">Hidden from others by {post.hidden.by === 'moderator' ? 'a moderator' : 'the community'}: {post.hidden.reason}</p>}{content}</>;
  }
  return (
    <article id={`post-${post.id}`} class={`post depth-${Math.min(post.depth, 8)}`} data-post-id={post.id} aria-label={`Post by ${author}`}>
      <header>
        <strong>{author}</strong>
        {days && <span class="badge">{days}</span>}
        {post.mine && <span class="badge">you</span>}
        <time dateTime={post.createdAt}>{new Date(post.createdAt).toLocaleString()}</time>
        {post.editedAt && !post.deleted && <span class="muted">edited</span>}
        {labels && <span class="warnings">{labels}</span>}
      </header>
      {content}
      {actions}
    </article>
  );
}
