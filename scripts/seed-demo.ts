import pino from 'pino';
import { findUserByPseudonym } from '../server/accounts/accounts.repository';
import type { Viewer } from '../server/accounts/viewer';
import { compose } from '../server/compose';
import { loadConfig } from '../server/config';
import type { ContentWarning } from '../server/contract/content-warnings';
import { connectDatabase } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrate';
import { resolveServerSecret } from '../server/secret';
import { bulkThread, type Shape } from './lib/bulk-thread';

/**
 * `npm run seed:demo [-- --big [--size N] [--shape flat|deep]]`: demo members, threads and
 * nested replies (some anonymous, some with content warnings) through the real services (so with their events and notifications);
 * `--big` adds one very large thread for benchmarks. Every demo member's password is
 * DEMO_PASSWORD below.
 */
const DEMO_PASSWORD = 'haven-demo-password';
const MEMBERS = ['river_stone', 'quiet_harbor', 'maple_days', 'northern_light', 'sam_k', 'blue_kettle', 'daybreak', 'slow_tide'];

const THREADS: Array<{ community: string; title: string; body: string; warnings?: ContentWarning[]; anonymous?: boolean; replies: string[] }> = [
  { community: 'introductions', title: 'Hello from a first-timer', body: 'I have been reading for a week and finally made an account. Six days sober today.', replies: ['Welcome! Six days is real. Keep going.', 'Glad you are here. The first week is the hardest for many of us.', 'Welcome aboard :)'] },
  { community: 'alcohol', title: 'Evenings are the hardest part', body: 'Around 6pm the cravings hit. What do you **do** with that hour?', replies: ['I go for a walk with the dog, rain or shine.', 'Sparkling water with lime in a nice glass. Sounds silly, works for me.', 'Cooking something that takes attention.'] },
  { community: 'coping-and-relapse-prevention', title: 'I slipped last weekend', body: 'After 40 days I drank at a wedding. I feel like I wasted everything.', warnings: ['relapse'], anonymous: true, replies: ['Those 40 days are not wasted. You learned what a wedding is like for you.', 'Be kind to yourself. Day one again is still a day one.', 'What would you tell a friend who said this to you?'] },
  { community: 'family-and-friends', title: 'My brother will not talk to me', body: 'He is using again and shuts me out. How do you stay close without enabling?', replies: ['Al-Anon helped me learn where my part ends.', 'Keep the door open, and say it plainly: I love you, I am here when you want help.'] },
  { community: 'milestones', title: '1 year today', body: 'One year without a drink. I did not think I would ever write that.', replies: ['Congratulations!!', 'This made my morning. Well done.', 'Proud of you, stranger.'] },
  { community: 'dual-diagnosis', title: 'Anxiety without the crutch', body: 'Now that I am not drinking, the anxiety is loud. Anyone else?', warnings: ['substance-use'], replies: ['Yes. It got quieter for me around month three, with therapy.', 'Breathing exercises sound useless until they are not.'] },
  { community: 'drugs-and-medication', title: 'Tapering with my doctor', body: 'Starting a supervised taper next week. Nervous but hopeful.', replies: ['Doing it with your doctor is the right call. Good luck.', 'Write down why you are doing this; read it on the hard days.'] },
];

async function main(argv: string[]) {
  const config = loadConfig();
  const database = await connectDatabase(config);
  const sessions: string[] = [];
  try {
    await migrateToLatest(database.db);
    const db = database.db;
    // The app's own services, composed as the server composes them (its live side is not
    // started: a running server hears of these writes through the outbox).
    const { accounts, forum } = compose({ database, config: { ...config, sessionCacheMs: 0, pageCacheMs: 0 }, serverSecret: resolveServerSecret(config), log: pino({ level: 'warn' }) });

    // Demo members write through the real services, which confirm a session on every write:
    // each gets one for this run (signed up, or logged in), ended again at the end.
    const viewers: Viewer[] = [];
    for (const pseudonym of MEMBERS) {
      const existing = await findUserByPseudonym(db, pseudonym);
      const { token } = existing ? await accounts.login({ pseudonym, password: DEMO_PASSWORD }) : await accounts.signup({ pseudonym, password: DEMO_PASSWORD });
      viewers.push((await accounts.viewerForToken(token))!);
    }
    sessions.push(...viewers.map((v) => v.tokenHash));
    console.log(`members: ${MEMBERS.join(', ')} (password: ${DEMO_PASSWORD})`);

    for (const [t, spec] of THREADS.entries()) {
      const author = viewers[t % viewers.length]!;
      // Running it again leaves the demo threads already there alone (no duplicates).
      const existing = await db.selectFrom('threads').select('id').where('title', '=', spec.title).where('author_id', '=', author.id).executeTakeFirst();
      if (existing) {
        console.log(`thread ${t + 1}/${THREADS.length}: already there — ${spec.title}`);
        continue;
      }
      const { thread, post } = await forum.createThread(author, spec.community, {
        title: spec.title, body: spec.body, contentWarnings: spec.warnings, anonymous: spec.anonymous,
      });
      let parentId = post.id;
      for (const [r, text] of spec.replies.entries()) {
        const who = viewers[(t + r + 1) % viewers.length]!;
        // Every other reply answers the one before it, so the tree has some depth.
        const reply = await forum.createPost(who, thread.id, { body: text, parentId: r % 2 === 1 ? parentId : post.id, anonymous: r === 2 });
        parentId = reply.post.id;
      }
      console.log(`thread ${t + 1}/${THREADS.length}: ${spec.community} — ${spec.title}`);
    }

    if (argv.includes('--big')) {
      const size = Number(argv[argv.indexOf('--size') + 1]) || 100_000;
      const shape: Shape = argv.includes('deep') ? 'deep' : 'flat';
      const community = await db.selectFrom('communities').select('id').where('slug', '=', 'milestones').executeTakeFirstOrThrow();
      const id = await bulkThread(db, {
        communityId: community.id, authorIds: viewers.map((v) => v.id), title: `A very long thread (${size.toLocaleString('en')} replies, ${shape})`, size, shape,
        onProgress: (done) => process.stdout.write(`\rbig thread: ${done.toLocaleString('en')}/${size.toLocaleString('en')}`),
      });
      console.log(`\nbig thread ready: /api/threads/${id}`);
    }
    console.log('Demo data is in place.');
  } finally {
    await database.db.deleteFrom('sessions').where('token_hash', 'in', sessions.length ? sessions : ['']).execute().catch(() => {});
    await database.close();
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
