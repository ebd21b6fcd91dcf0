/** `npm run bench -- <name>`: runs scripts/bench/<name>.ts (all of them when no name is given). */
export {};

const BENCHES = ['thread-read', 'writes', 'fanout', 'spa-interactive', 'reply-size'];

// Names are the arguments that are neither flags nor a flag's value.
const argv = process.argv.slice(2);
const names = argv.filter((a, i) => !a.startsWith('-') && !argv[i - 1]?.startsWith('--'));
for (const name of names.length ? names : BENCHES) {
  if (!BENCHES.includes(name)) {
    console.error(`unknown benchmark ${name}; known: ${BENCHES.join(', ')}`);
    process.exit(2);
  }
  console.log(`# ${name}`);
  const bench = (await import(`./${name}.ts`)) as { run: (args: string[]) => Promise<void> };
  await bench.run(process.argv.slice(2));
}
