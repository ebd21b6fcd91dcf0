import type { User } from '../../server/contract/accounts';
import type { ErrorBody } from '../../server/contract/common';
import type { ContentWarning, WarningPreference } from '../../server/contract/vocabulary';
import type { CrisisResource, Post, Thread } from '../../server/contract/forum';
import type { CrisisConfig, FlagReason, LogEntry, MemberSummary, ModAction, QueueItem, Suspension } from '../../server/contract/moderation';
import type { Notification } from '../../server/contract/notifications';
import type { Goal, Journey, ToolkitItem } from '../../server/contract/journey';
import type { Resource } from '../../server/contract/resources';

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

export interface LogFilter {
  action?: ModAction | undefined;
  actor?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

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

export interface Community {
  id: string;
  slug: string;
  name: string;
  description: string;
  threadCount: number;
}

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
type ThreadPage = { thread: Thread; posts: Post[]; nextCursor: string | null };

export const api = {
  me: () => call<{ user: User; unreadNotifications: number }>('GET', '/api/me'),
  login: (pseudonym: string, password: string) => call<{ user: User }>('POST', '/api/auth/login', { pseudonym, password }),
  signup: (pseudonym: string, password: string) =>
    call<{ user: User; recoveryCode: string }>('POST', '/api/auth/signup', { pseudonym, password, acceptGuidelines: true }),
  logout: () => call<void>('POST', '/api/auth/logout'),
  communities: () => call<{ communities: Community[] }>('GET', '/api/communities'),
  threads: (slug: string, cursor?: string) =>
    call<{ threads: Thread[]; nextCursor: string | null }>('GET', `/api/communities/${encodeURIComponent(slug)}/threads${query({ cursor })}`),
  thread: (id: string, cursor?: string) =>
    call<{ thread: Thread; posts: Post[]; nextCursor: string | null }>('GET', `/api/threads/${id}?limit=100${cursor ? `&cursor=${cursor}` : ''}`),
  reply: (threadId: string, input: { body: string; parentId?: string; contentWarnings?: ContentWarning[]; anonymous?: boolean }) =>
    call<{ post: Post; crisisResources?: CrisisResource[] }>('POST', `/api/threads/${threadId}/posts`, input),
  newThread: (slug: string, input: { title: string; body: string; contentWarnings: ContentWarning[]; anonymous: boolean }) =>
    call<{ thread: Thread; post: Post; crisisResources?: CrisisResource[] }>('POST', `/api/communities/${encodeURIComponent(slug)}/threads`, input),
  source: (postId: string) => call<{ body: string; contentWarnings: ContentWarning[] }>('GET', `/api/posts/${postId}/source`),
  edit: (postId: string, input: { body: string; contentWarnings: ContentWarning[] }) => call<{ post: Post }>('PATCH', `/api/posts/${postId}`, input),
  remove: (postId: string) => call<void>('DELETE', `/api/posts/${postId}`),
  anonymize: (postId: string) => call<{ post: Post }>('POST', `/api/posts/${postId}/anonymize`),
  mute: (pseudonym: string, on: boolean) => call<void>(on ? 'POST' : 'DELETE', `/api/users/${encodeURIComponent(pseudonym)}/mute`),
  preferences: (input: { contentWarnings?: Partial<Record<ContentWarning, WarningPreference>>; recoveryStartDate?: string | null; showRecoveryDays?: boolean; timeZone?: string }) =>
    call<{ user: User }>('PUT', '/api/me/preferences', input),
  changePassword: (currentPassword: string, newPassword: string) => call<void>('POST', '/api/me/password', { currentPassword, newPassword }),
  logoutEverywhere: () => call<void>('POST', '/api/auth/logout-all'),
  deleteAccount: (password: string, erasePosts: boolean) => call<void>('DELETE', '/api/me', { password, erasePosts }),
  search: (q: string, cursor?: string) =>
    call<{ posts: Post[]; nextCursor: string | null }>('GET', `/api/search${query({ q, cursor })}`),
  modQueue: () => call<{ flags: QueueItem[]; nextCursor: string | null }>('GET', '/api/mod/flags?limit=100'),
  modHide: (postId: string, reason: string) => call<{ post: Post }>('POST', `/api/mod/posts/${postId}/hide`, { reason }),
  modRestore: (postId: string) => call<{ post: Post }>('POST', `/api/mod/posts/${postId}/restore`),
  modWarnings: (postId: string, contentWarnings: ContentWarning[]) => call<{ post: Post }>('PUT', `/api/mod/posts/${postId}/content-warnings`, { contentWarnings }),
  modSuspendAuthor: (postId: string, until: string, reason: string) =>
    call<{ suspension: { until: string; reason: string; author: string } }>('POST', `/api/mod/posts/${postId}/suspend-author`, { until, reason }),
  modLog: (filter: LogFilter, cursor?: string) =>
    call<{ entries: LogEntry[]; nextCursor: string | null }>('GET', `/api/mod/log${query({ ...filter, cursor })}`),
  modReachOut: (postId: string, message: string, includeResources: boolean) =>
    call<{ sent: true }>('POST', `/api/mod/posts/${postId}/reach-out`, { message, includeResources }),
  suspensions: (cursor?: string) => call<{ suspensions: Suspension[]; nextCursor: string | null }>('GET', `/api/admin/suspensions${query({ cursor })}`),
  liftSuspension: (id: string) => call<{ suspension: Suspension }>('POST', `/api/admin/suspensions/${id}/lift`),
  findMembers: (q: string) => call<{ users: MemberSummary[] }>('GET', `/api/admin/users${query({ q })}`),
  setRole: (pseudonym: string, role: 'member' | 'moderator' | 'admin') =>
    call<{ user: { pseudonym: string; role: string } }>('PUT', `/api/admin/users/${encodeURIComponent(pseudonym)}/role`, { role }),
  modResolve: (flagId: string, outcome: 'actioned' | 'dismissed') => call<{ resolved: number }>('POST', `/api/mod/flags/${flagId}/resolve`, { outcome }),
  preview: (body: string) => call<{ html: string }>('POST', '/api/preview', { body }),
  flag: (postId: string, reason: FlagReason, note?: string) => call<unknown>('POST', `/api/posts/${postId}/flags`, { reason, ...(note ? { note } : {}) }),
  recover: (pseudonym: string, recoveryCode: string, newPassword: string) =>
    call<{ user: User; recoveryCode: string }>('POST', '/api/auth/recover', { pseudonym, recoveryCode, newPassword }),
  notifications: (cursor?: string) =>
    call<{ notifications: Notification[]; nextCursor: string | null }>('GET', `/api/notifications${query({ cursor })}`),
  markAllRead: () => call<void>('POST', '/api/notifications/read', { all: true }),
  guidelines: () => call<{ html: string }>('GET', '/api/guidelines'),
  crisis: () => call<CrisisConfig>('GET', '/api/support/crisis'),
  privacy: () => call<{ html: string }>('GET', '/api/privacy'),
  journey: () => call<Journey>('GET', '/api/me/journey'),
  addGoal: (title: string) => call<{ goal: Goal }>('POST', '/api/me/goals', { title }),
  archiveGoal: (id: string) => call<void>('PATCH', `/api/me/goals/${id}`, { archived: true }),
  tickGoal: (id: string, day: string, done: boolean) => call<void>(done ? 'PUT' : 'DELETE', `/api/me/goals/${id}/days/${day}`),
  toolkit: () => call<{ items: ToolkitItem[] }>('GET', '/api/me/toolkit'),
  saveToToolkit: (postId: string, saved: boolean) => call<void>(saved ? 'PUT' : 'DELETE', `/api/me/toolkit/${postId}`),
  resources: (slug: string) => call<{ resources: Resource[] }>('GET', `/api/communities/${encodeURIComponent(slug)}/resources`),
  pin: (slug: string, postId: string, title: string, position: number) =>
    call<{ resource: Resource }>('POST', `/api/mod/communities/${encodeURIComponent(slug)}/resources`, { postId, title, position }),
  unpin: (id: string) => call<void>('DELETE', `/api/mod/resources/${id}`),
};
