import type { z } from 'zod';
import type * as accounts from '../../server/contract/accounts';
import type { ErrorBody } from '../../server/contract/common';
import type * as forum from '../../server/contract/forum';
import type * as journey from '../../server/contract/journey';
import type * as moderation from '../../server/contract/moderation';
import type * as notifications from '../../server/contract/notifications';
import type * as resources from '../../server/contract/resources';

/** What a route answers, and what it takes, as the shared zod contract says (types only: no zod in the bundle). */
type Out<S extends z.ZodType> = z.output<S>;
type In<S extends z.ZodType> = z.input<S>;

/** The one typed client of the Haven API; shapes come from the shared zod contract. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
  }

  /** What to tell the member: the first field and its rule, in words, when the server named one. */
  get said(): string {
    const first = this.details[0];
    if (!first) return this.message;
    // "body.newPassword" → "New password"
    const name = first.path.split('.').slice(1).filter((p) => !/^\d+$/.test(p)).pop();
    const field = name ? name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase() : 'this';
    return `${field.charAt(0).toUpperCase()}${field.slice(1)} ${first.message}.`;
  }
}

/** The message of any failure, for a member's eyes. */
export const saidOf = (err: unknown, fallback: string) => (err instanceof ApiError ? err.said : fallback);

/** The moderation log's filters: its query without the page. */
export type LogFilter = Omit<In<typeof moderation.logQuery>, 'cursor' | 'limit'>;

/** A query string of the parameters that are set ('' when none is). */
function query(params: Record<string, string | undefined>): string {
  const set = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '');
  return set.length ? `?${new URLSearchParams(set)}` : '';
}

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const error = (data as ErrorBody | null)?.error;
    throw new ApiError(res.status, error?.code ?? 'internal', error?.message ?? 'Something went wrong.', error?.details ?? []);
  }
  return data as T;
}

export type Community = Out<typeof forum.community>;
type ThreadPage = Out<typeof forum.threadResponse>;

/**
 * The first page of the thread in the address, asked for as soon as the script runs (not
 * after the first render): the thread view takes it once, later loads ask afresh.
 */
const early = new Map<string, Promise<ThreadPage>>();
export function prefetchThread(path: string) {
  const id = /^\/t\/(\d+)$/.exec(path)?.[1];
  if (id) early.set(id, api.thread(id));
}
export function firstThreadPage(id: string): Promise<ThreadPage> {
  const page = early.get(id);
  early.delete(id);
  return page ?? api.thread(id);
}

export const api = {
  me: () => call<Out<typeof accounts.meResponse>>('GET', '/api/me'),
  login: (pseudonym: string, password: string) => call<Out<typeof accounts.userResponse>>('POST', '/api/auth/login', { pseudonym, password }),
  signup: (pseudonym: string, password: string) =>
    call<Out<typeof accounts.signupResponse>>('POST', '/api/auth/signup', { pseudonym, password, acceptGuidelines: true }),
  logout: () => call<void>('POST', '/api/auth/logout'),
  communities: () => call<Out<typeof forum.communitiesResponse>>('GET', '/api/communities'),
  threads: (slug: string, cursor?: string) =>
    call<Out<typeof forum.threadsResponse>>('GET', `/api/communities/${encodeURIComponent(slug)}/threads${query({ cursor })}`),
  thread: (id: string, cursor?: string) => call<ThreadPage>('GET', `/api/threads/${id}?limit=100${cursor ? `&cursor=${cursor}` : ''}`),
  reply: (threadId: string, input: In<typeof forum.createPostBody>) =>
    call<Out<typeof forum.createPostResponse>>('POST', `/api/threads/${threadId}/posts`, input),
  newThread: (slug: string, input: In<typeof forum.createThreadBody>) =>
    call<Out<typeof forum.createThreadResponse>>('POST', `/api/communities/${encodeURIComponent(slug)}/threads`, input),
  source: (postId: string) => call<Out<typeof forum.postSourceResponse>>('GET', `/api/posts/${postId}/source`),
  edit: (postId: string, input: In<typeof forum.editPostBody>) => call<Out<typeof forum.postResponse>>('PATCH', `/api/posts/${postId}`, input),
  remove: (postId: string) => call<void>('DELETE', `/api/posts/${postId}`),
  anonymize: (postId: string) => call<Out<typeof forum.postResponse>>('POST', `/api/posts/${postId}/anonymize`),
  mute: (pseudonym: string, on: boolean) => call<void>(on ? 'POST' : 'DELETE', `/api/users/${encodeURIComponent(pseudonym)}/mute`),
  preferences: (input: In<typeof accounts.preferencesBody>) => call<Out<typeof accounts.userResponse>>('PUT', '/api/me/preferences', input),
  changePassword: (currentPassword: string, newPassword: string) => call<void>('POST', '/api/me/password', { currentPassword, newPassword }),
  logoutEverywhere: () => call<void>('POST', '/api/auth/logout-all'),
  deleteAccount: (password: string, erasePosts: boolean) => call<void>('DELETE', '/api/me', { password, erasePosts }),
  search: (q: string, cursor?: string) => call<Out<typeof forum.searchResponse>>('GET', `/api/search${query({ q, cursor })}`),
  modQueue: () => call<Out<typeof moderation.flagsResponse>>('GET', '/api/mod/flags?limit=100'),
  modHide: (postId: string, reason: string) => call<Out<typeof moderation.modPostResponse>>('POST', `/api/mod/posts/${postId}/hide`, { reason }),
  modRestore: (postId: string) => call<Out<typeof moderation.modPostResponse>>('POST', `/api/mod/posts/${postId}/restore`),
  modWarnings: (postId: string, contentWarnings: In<typeof moderation.warningsBody>['contentWarnings']) =>
    call<Out<typeof moderation.modPostResponse>>('PUT', `/api/mod/posts/${postId}/content-warnings`, { contentWarnings }),
  modSuspendAuthor: (postId: string, until: string, reason: string) =>
    call<Out<typeof moderation.suspendResponse>>('POST', `/api/mod/posts/${postId}/suspend-author`, { until, reason }),
  modLog: (filter: LogFilter, cursor?: string) => call<Out<typeof moderation.logResponse>>('GET', `/api/mod/log${query({ ...filter, cursor })}`),
  modReachOut: (postId: string, message: string, includeResources: boolean) =>
    call<Out<typeof moderation.reachOutResponse>>('POST', `/api/mod/posts/${postId}/reach-out`, { message, includeResources }),
  suspensions: (cursor?: string) => call<Out<typeof moderation.suspensionsResponse>>('GET', `/api/admin/suspensions${query({ cursor })}`),
  liftSuspension: (id: string) => call<Out<typeof moderation.liftResponse>>('POST', `/api/admin/suspensions/${id}/lift`),
  findMembers: (q: string) => call<Out<typeof moderation.membersResponse>>('GET', `/api/admin/users${query({ q })}`),
  setRole: (pseudonym: string, role: In<typeof accounts.roleBody>['role']) =>
    call<Out<typeof accounts.roleResponse>>('PUT', `/api/admin/users/${encodeURIComponent(pseudonym)}/role`, { role }),
  modResolve: (flagId: string, outcome: In<typeof moderation.resolveBody>['outcome']) =>
    call<Out<typeof moderation.resolveResponse>>('POST', `/api/mod/flags/${flagId}/resolve`, { outcome }),
  preview: (body: string) => call<Out<typeof forum.previewResponse>>('POST', '/api/preview', { body }),
  flag: (postId: string, reason: In<typeof moderation.flagBody>['reason'], note?: string) =>
    call<Out<typeof moderation.flagResponse>>('POST', `/api/posts/${postId}/flags`, { reason, ...(note ? { note } : {}) }),
  recover: (pseudonym: string, recoveryCode: string, newPassword: string) =>
    call<Out<typeof accounts.signupResponse>>('POST', '/api/auth/recover', { pseudonym, recoveryCode, newPassword }),
  notifications: (cursor?: string) => call<Out<typeof notifications.notificationsResponse>>('GET', `/api/notifications${query({ cursor })}`),
  markAllRead: () => call<void>('POST', '/api/notifications/read', { all: true }),
  guidelines: () => call<Out<typeof forum.guidelinesResponse>>('GET', '/api/guidelines'),
  crisis: () => call<Out<typeof moderation.crisisResponse>>('GET', '/api/support/crisis'),
  privacy: () => call<Out<typeof forum.guidelinesResponse>>('GET', '/api/privacy'),
  journey: () => call<Out<typeof journey.journeyResponse>>('GET', '/api/me/journey'),
  addGoal: (title: string) => call<Out<typeof journey.goalResponse>>('POST', '/api/me/goals', { title }),
  archiveGoal: (id: string) => call<void>('PATCH', `/api/me/goals/${id}`, { archived: true }),
  tickGoal: (id: string, day: string, done: boolean) => call<void>(done ? 'PUT' : 'DELETE', `/api/me/goals/${id}/days/${day}`),
  toolkit: () => call<Out<typeof journey.toolkitResponse>>('GET', '/api/me/toolkit'),
  saveToToolkit: (postId: string, saved: boolean) => call<void>(saved ? 'PUT' : 'DELETE', `/api/me/toolkit/${postId}`),
  resources: (slug: string) => call<Out<typeof resources.resourcesResponse>>('GET', `/api/communities/${encodeURIComponent(slug)}/resources`),
  pin: (slug: string, postId: string, title: string, position: number) =>
    call<Out<typeof resources.resourceResponse>>('POST', `/api/mod/communities/${encodeURIComponent(slug)}/resources`, { postId, title, position }),
  unpin: (id: string) => call<void>('DELETE', `/api/mod/resources/${id}`),
};
