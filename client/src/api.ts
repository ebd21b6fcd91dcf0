import type { User } from '../../server/contract/accounts';
import type { ErrorBody } from '../../server/contract/common';
import type { Post, Thread } from '../../server/contract/forum';
import type { CrisisConfig } from '../../server/contract/moderation';

/** The one typed client of the Haven API; shapes come from the shared zod contract. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
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
    throw new ApiError(res.status, error?.code ?? 'internal', error?.message ?? 'Something went wrong.');
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

export const api = {
  me: () => call<{ user: User; unreadNotifications: number }>('GET', '/api/me'),
  login: (pseudonym: string, password: string) => call<{ user: User }>('POST', '/api/auth/login', { pseudonym, password }),
  signup: (pseudonym: string, password: string) =>
    call<{ user: User; recoveryCode: string }>('POST', '/api/auth/signup', { pseudonym, password, acceptGuidelines: true }),
  logout: () => call<void>('POST', '/api/auth/logout'),
  communities: () => call<{ communities: Community[] }>('GET', '/api/communities'),
  threads: (slug: string, cursor?: string) =>
    call<{ threads: Thread[]; nextCursor: string | null }>('GET', `/api/communities/${encodeURIComponent(slug)}/threads${cursor ? `?cursor=${cursor}` : ''}`),
  thread: (id: string, cursor?: string) =>
    call<{ thread: Thread; posts: Post[]; nextCursor: string | null }>('GET', `/api/threads/${id}?limit=100${cursor ? `&cursor=${cursor}` : ''}`),
  reply: (threadId: string, body: string, parentId?: string, anonymous = false) =>
    call<{ post: Post; crisisResources?: CrisisConfig['resources'] }>('POST', `/api/threads/${threadId}/posts`, { body, anonymous, ...(parentId ? { parentId } : {}) }),
  guidelines: () => call<{ html: string }>('GET', '/api/guidelines'),
  crisis: () => call<CrisisConfig>('GET', '/api/support/crisis'),
};
