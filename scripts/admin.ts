import pino from 'pino';
import { compose } from '../server/compose';
import { ROLES } from '../server/contract/accounts';
import { loadConfig } from '../server/config';
import { connectDatabase } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrate';
import { AppError } from '../server/http/errors';
import { resolveServerSecret } from '../server/secret';

const USAGE = `usage: npm run admin -- role <pseudonym> <${ROLES.join('|')}>
       npm run admin -- recovery-code <pseudonym>`;

/**
 * `npm run admin -- role <pseudonym> <role>`: change a role from the shell, with the same
 * rules as the admin route (never the last admin) and the same moderation-log entry, with
 * "command line" as the actor. Running servers on PostgreSQL learn of it at once through
 * the live bus (cached sessions dropped, open sockets updated).
 *
 * `npm run admin -- recovery-code <pseudonym>`: a new recovery code, printed here once
 * (and nowhere else: it is not logged), for the member to reset their password with. The
 * account ADMIN_PSEUDONYM creates never saw one; this is how its operator gets one.
 */
async function main(argv: string[]) {
  const [command, pseudonym, role] = argv;
  const valid =
    (command === 'role' && pseudonym && role && (ROLES as readonly string[]).includes(role)) ||
    (command === 'recovery-code' && pseudonym && argv.length === 2);
  if (!valid) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const database = await connectDatabase(config);
  try {
    await migrateToLatest(database.db);
    // The app's own services, composed as the server composes them; the role change's log
    // entry and its announcement to running servers (through the outbox) come with them.
    const { accounts } = compose({ database, config, serverSecret: resolveServerSecret(config), log: pino({ level: 'warn' }) });
    if (command === 'recovery-code') {
      const issued = await accounts.issueRecoveryCode(pseudonym!);
      console.log(`New recovery code for ${issued.pseudonym} (shown once; the old one no longer works):\n${issued.recoveryCode}`);
      return 0;
    }
    // Running servers on this database drop the member's cached session and update their
    // open sockets at once, as for a change made through the admin route.
    const user = await accounts.setRole(pseudonym!, role as (typeof ROLES)[number], null);
    console.log(`${user.pseudonym} is now ${user.role}.`);
    return 0;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    console.error(err.message);
    return 1;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
