import { ROLES } from '../server/contract/accounts';
import { loadConfig } from '../server/config';
import { connectDatabase } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrate';
import { findUserByPseudonym, updateUser } from '../server/accounts/accounts.repository';

/** `npm run admin -- role <pseudonym> <member|moderator|admin>`: change a role from the shell. */
async function main(argv: string[]) {
  const [command, pseudonym, role] = argv;
  if (command !== 'role' || !pseudonym || !role || !(ROLES as readonly string[]).includes(role)) {
    console.error(`usage: npm run admin -- role <pseudonym> <${ROLES.join('|')}>`);
    return 2;
  }
  const database = await connectDatabase(loadConfig());
  try {
    await migrateToLatest(database.db);
    const user = await findUserByPseudonym(database.db, pseudonym);
    if (!user) {
      console.error(`No member is called ${pseudonym}.`);
      return 1;
    }
    await updateUser(database.db, user.id, { role: role as (typeof ROLES)[number] });
    console.log(`${user.pseudonym} is now ${role}.`);
    return 0;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
