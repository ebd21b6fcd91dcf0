import type { Kysely } from 'kysely';
import type { MemberWrites } from '../accounts/accounts.doors';
import type { Viewer } from '../accounts/viewer';
import type { Resource } from '../contract/resources';
import type { Trx } from '../db/executor';
import type { DB } from '../db/schema';
import type { PostPlaces, PostReader } from '../forum/forum.doors';
import { conflict, notFound, validationFailed } from '../http/errors';
import * as repo from './resources.repository';

export interface ResourcesDeps {
  db: Kysely<DB>;
  writes: MemberWrites;
  reader: Pick<PostReader, 'postViews'>;
  places: PostPlaces;
  /** Pins and unpins are moderators' actions on a post: logged like any other. */
  modLog: { logPostAction(trx: Trx, actor: Viewer, action: string, postId: string, reason: string | null, notify: boolean): Promise<void> };
}

type PinRow = { id: string; title: string; position: number; post_id: string; created_at: Date };

/**
 * Coping resources: posts moderators pin per community ("What helps with cravings at
 * night"), and each member's private toolkit of saved posts. Posts are shown as the reader
 * may see them: a hidden or warned post stays hidden or warned here too.
 */
export class ResourcesService {
  readonly #db: Kysely<DB>;

  constructor(private readonly deps: ResourcesDeps) {
    this.#db = deps.db;
  }

  /** Pins with their posts, as this reader may see them. */
  async #withPosts(rows: PinRow[], viewer: Viewer | null): Promise<Resource[]> {
    const posts = new Map((await this.deps.reader.postViews(this.#db, rows.map((r) => r.post_id), viewer)).map((p) => [p.id, p]));
    return rows.flatMap((r) => {
      const post = posts.get(r.post_id);
      return post ? [{ id: r.id, title: r.title, position: r.position, post, pinnedAt: r.created_at.toISOString() }] : [];
    });
  }

  /** A community's pinned resources; a pin whose post was deleted since is left out. */
  async communityResources(slug: string, viewer: Viewer | null) {
    const community = await this.deps.places.community(this.#db, slug);
    if (!community) throw notFound('That community');
    const resources = await this.#withPosts(await repo.pinsOf(this.#db, community.id), viewer);
    return { resources: resources.filter((r) => !r.post.deleted) };
  }

  async pin(viewer: Viewer, slug: string, input: { postId: string; title: string; position?: number | undefined }) {
    const row = await this.deps.writes.writeAs(viewer, 'moderator', async (trx, me) => {
      const community = await this.deps.places.community(trx, slug);
      if (!community) throw notFound('That community');
      const post = await this.deps.places.postPlace(trx, input.postId);
      if (!post || post.deleted_at) throw notFound('That post');
      if (post.community_id !== community.id) {
        throw validationFailed('A resource is pinned in the community where it was posted.', [{ path: 'body.postId', message: 'is in another community' }]);
      }
      const pinned = await repo.insertPin(trx, { communityId: community.id, postId: post.id, title: input.title, position: input.position ?? 0 });
      if (!pinned) throw conflict('That post is already one of this community’s resources.');
      await this.deps.modLog.logPostAction(trx, me, 'pin-resource', post.id, input.title, true);
      return pinned;
    });
    return { resource: (await this.#withPosts([row], viewer))[0]! };
  }

  async changePin(viewer: Viewer, id: string, input: { title?: string | undefined; position?: number | undefined }) {
    const row = await this.deps.writes.writeAs(viewer, 'moderator', async (trx) => {
      if (!(await repo.pinForUpdate(trx, id))) throw notFound('That resource');
      return repo.updatePin(trx, id, input);
    });
    return { resource: (await this.#withPosts([row], viewer))[0]! };
  }

  async unpin(viewer: Viewer, id: string) {
    await this.deps.writes.writeAs(viewer, 'moderator', async (trx, me) => {
      const pin = await repo.pinForUpdate(trx, id);
      if (!pin) throw notFound('That resource');
      await repo.deletePin(trx, id);
      await this.deps.modLog.logPostAction(trx, me, 'unpin-resource', pin.post_id, pin.title, false);
    });
  }

  async toolkit(viewer: Viewer) {
    const rows = await repo.toolkitOf(this.#db, viewer.id);
    const posts = new Map((await this.deps.reader.postViews(this.#db, rows.map((r) => r.post_id), viewer)).map((p) => [p.id, p]));
    return { items: rows.flatMap((r) => (posts.has(r.post_id) ? [{ post: posts.get(r.post_id)!, savedAt: r.created_at.toISOString() }] : [])) };
  }

  async save(viewer: Viewer, postId: string, saved: boolean) {
    await this.deps.writes.writeAs(viewer, 'member', async (trx) => {
      if (saved) {
        const post = await this.deps.places.postPlace(trx, postId);
        if (!post || post.deleted_at) throw notFound('That post');
        await repo.saveToToolkit(trx, viewer.id, postId);
      } else await repo.removeFromToolkit(trx, viewer.id, postId);
    });
  }

  /** The toolkit in the export: which posts, and when; the posts themselves are other members' words. */
  async exportToolkit(userId: string) {
    return (await repo.toolkitOf(this.#db, userId)).map((r) => ({ postId: r.post_id, savedAt: r.created_at.toISOString() }));
  }
}
