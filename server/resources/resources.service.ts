import type { Kysely } from 'kysely';
import type { AccountsService } from '../accounts/accounts.service';
import type { Viewer } from '../accounts/viewer';
import type { Resource } from '../contract/resources';
import type { DB } from '../db/schema';
import type { ForumService } from '../forum/forum.service';
import * as forumRepo from '../forum/forum.repository';
import { conflict, notFound, validationFailed } from '../http/errors';
import type { ModerationService } from '../moderation/moderation.service';
import * as repo from './resources.repository';

export interface ResourcesDeps {
  db: Kysely<DB>;
  accounts: AccountsService;
  forum: ForumService;
  moderation: ModerationService;
}

type PinRow = { id: string; title: string; position: number; post_id: string; created_at: Date };

/**
 * Coping resources: posts moderators pin per community ("What helps with cravings at
 * night"), and each member's private toolkit of saved posts. Posts are shown as the reader
 * may see them: a hidden or warned post stays hidden or warned here too.
 */
export function createResourcesService(deps: ResourcesDeps) {
  const { db, forum, accounts, moderation } = deps;

  async function withPosts(rows: PinRow[], viewer: Viewer | null): Promise<Resource[]> {
    const posts = new Map((await forum.postViews(db, rows.map((r) => r.post_id), viewer)).map((p) => [p.id, p]));
    return rows.flatMap((r) => {
      const post = posts.get(r.post_id);
      return post ? [{ id: r.id, title: r.title, position: r.position, post, pinnedAt: r.created_at.toISOString() }] : [];
    });
  }

  async function communityResources(slug: string, viewer: Viewer | null) {
    const community = await forumRepo.findCommunity(db, slug);
    if (!community) throw notFound('That community');
    return { resources: await withPosts(await repo.pinsOf(db, community.id), viewer) };
  }

  async function pin(viewer: Viewer, slug: string, input: { postId: string; title: string; position?: number | undefined }) {
    const row = await accounts.writeAs(viewer, 'moderator', async (trx, me) => {
      const community = await forumRepo.findCommunity(trx, slug);
      if (!community) throw notFound('That community');
      const post = await repo.postCommunity(trx, input.postId);
      if (!post || post.deleted_at) throw notFound('That post');
      if (post.community_id !== community.id) {
        throw validationFailed('A resource is pinned in the community where it was posted.', [{ path: 'body.postId', message: 'is in another community' }]);
      }
      const pinned = await repo.insertPin(trx, { communityId: community.id, postId: post.id, title: input.title, position: input.position ?? 0 });
      if (!pinned) throw conflict('That post is already one of this community’s resources.');
      await moderation.logPostAction(trx, me, 'pin-resource', post.id, input.title, true);
      return pinned;
    });
    return { resource: (await withPosts([row], viewer))[0]! };
  }

  async function changePin(viewer: Viewer, id: string, input: { title?: string | undefined; position?: number | undefined }) {
    const row = await accounts.writeAs(viewer, 'moderator', async (trx) => {
      if (!(await repo.pinForUpdate(trx, id))) throw notFound('That resource');
      return repo.updatePin(trx, id, input);
    });
    return { resource: (await withPosts([row], viewer))[0]! };
  }

  async function unpin(viewer: Viewer, id: string) {
    await accounts.writeAs(viewer, 'moderator', async (trx, me) => {
      const pin = await repo.pinForUpdate(trx, id);
      if (!pin) throw notFound('That resource');
      await repo.deletePin(trx, id);
      await moderation.logPostAction(trx, me, 'unpin-resource', pin.post_id, pin.title, false);
    });
  }

  async function toolkit(viewer: Viewer) {
    const rows = await repo.toolkitOf(db, viewer.id);
    const posts = new Map((await forum.postViews(db, rows.map((r) => r.post_id), viewer)).map((p) => [p.id, p]));
    return { items: rows.flatMap((r) => (posts.has(r.post_id) ? [{ post: posts.get(r.post_id)!, savedAt: r.created_at.toISOString() }] : [])) };
  }

  async function save(viewer: Viewer, postId: string, saved: boolean) {
    await accounts.writeAs(viewer, 'member', async (trx) => {
      if (saved) {
        const post = await repo.postCommunity(trx, postId);
        if (!post || post.deleted_at) throw notFound('That post');
        await repo.saveToToolkit(trx, viewer.id, postId);
      } else await repo.removeFromToolkit(trx, viewer.id, postId);
    });
  }

  /** The toolkit in the export: which posts, and when; the posts themselves are other members' words. */
  async function exportToolkit(userId: string) {
    return (await repo.toolkitOf(db, userId)).map((r) => ({ postId: r.post_id, savedAt: r.created_at.toISOString() }));
  }

  return { communityResources, pin, changePin, unpin, toolkit, save, exportToolkit };
}

export type ResourcesService = ReturnType<typeof createResourcesService>;
