import fs from 'node:fs';

/**
 * The embedded database is one process's files. Two processes on one DATA_DIR hand out the
 * same ids and lose each other's writes, so whoever opens it first holds a lock file that
 * names them; anyone else (a second server, `npm run admin`, `npm run seed:demo`) is
 * refused with that name and never touches the files.
 */
export class DataDirBusy extends Error {
  constructor(readonly lockFile: string, readonly holder: Holder) {
    super(
      `Another Haven process (pid ${holder.pid}, ${holder.command}, since ${holder.startedAt}) is using the embedded database in ${lockFile.replace(/\.lock$/, '')}. ` +
      'Only one process may use it at a time: stop that process first (its data is safe), or set DATABASE_URL to share a PostgreSQL database between processes.',
    );
    this.name = 'DataDirBusy';
  }
}

interface Holder {
  pid: number;
  /** The holder's start time as the kernel counts it: tells a live holder from a reused pid. */
  started: string | null;
  startedAt: string;
  command: string;
}

/** Linux: the process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(holder: Holder): boolean {
  if (holder.pid === process.pid) return false; // a lock left by an earlier life of this pid (a container restart)
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // The pid runs; it is the holder only if it started when the holder did.
  const now = processStart(holder.pid);
  return holder.started === null || now === null || now === holder.started;
}

/** A lock file without a holder yet may be one being written this instant. */
function justWritten(lockFile: string): boolean {
  try {
    return Date.now() - fs.statSync(lockFile).mtimeMs < 2_000;
  } catch {
    return false;
  }
}

function readHolder(lockFile: string): Holder | null {
  try {
    return JSON.parse(fs.readFileSync(lockFile, 'utf8')) as Holder;
  } catch {
    return null; // gone, or half-written by a process that died while writing it
  }
}

/** Takes the lock, or throws DataDirBusy naming the process that holds it. Returns the release. */
export function lockDataDir(lockFile: string): () => void {
  const me: Holder = {
    pid: process.pid,
    started: processStart(process.pid),
    startedAt: new Date().toISOString(),
    command: process.argv.slice(1).map((a) => a.split('/').slice(-2).join('/')).join(' ') || 'node',
  };
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(lockFile, JSON.stringify(me), { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        const holder = readHolder(lockFile);
        if (holder) throw new DataDirBusy(lockFile, holder);
        throw err;
      }
      const holder = readHolder(lockFile);
      if (holder && alive(holder)) throw new DataDirBusy(lockFile, holder);
      if (!holder && justWritten(lockFile)) {
        throw new DataDirBusy(lockFile, { pid: 0, started: null, startedAt: 'a moment ago', command: 'a process that is starting' });
      }
      // The holder died without releasing (kill -9, power loss): the lock is stale.
      fs.rmSync(lockFile, { force: true });
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    // Only our own lock: never remove one another process took after ours went stale.
    if (readHolder(lockFile)?.pid === me.pid) fs.rmSync(lockFile, { force: true });
  };
  process.on('exit', release);
  return release;
}
