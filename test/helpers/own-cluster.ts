import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './net';

/**
 * A PostgreSQL cluster of the fault test's own, in a temporary folder: restarted, frozen
 * and made read-only at will, never the machine's shared one. initdb refuses to run as
 * root, so under root every command runs as the `postgres` user.
 */
export interface OwnCluster {
  url: string;
  port: number;
  /** pg_ctl restart -m fast, without blocking this process's event loop (load goes on meanwhile). */
  restart(): Promise<void>;
  /** Stops every process of the cluster (SIGSTOP) until thaw(). */
  freeze(): void;
  thaw(): void;
  sql(text: string): Promise<void>;
  remove(): void;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const version = fs.readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
  return path.join(root, version, 'bin');
}

export async function startOwnCluster(): Promise<OwnCluster> {
  const bin = binDir();
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'haven-pg-'));
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  const run = (tool: string, args: string[]) => {
    const command = path.join(bin, tool);
    return asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe', cwd: dir })
      : execFileSync(command, args, { stdio: 'pipe', cwd: dir });
  };
  const runAsync = (tool: string, args: string[]) => new Promise<void>((resolve, reject) => {
    const command = path.join(bin, tool);
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    execFile(file as string, argv as string[], { cwd: dir }, (err) => (err ? reject(err) : resolve()));
  });
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  // fsync off: faults here are about the app's behaviour, not the disk's; it keeps them fast.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  const pgCtl = (...args: string[]) => run('pg_ctl', ['-D', data, '-o', options, '-w', '-t', '60', '-l', path.join(dir, 'log'), ...args]);
  pgCtl('start');
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const pids = () => {
    const main = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('pgrep', ['-P', String(main)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    return [main, ...children];
  };
  let frozen: number[] = [];
  const thaw = () => {
    for (const pid of frozen) process.kill(pid, 'SIGCONT');
    frozen = [];
  };
  return {
    url,
    port,
    restart: () => runAsync('pg_ctl', ['-D', data, '-o', options, '-w', '-t', '60', '-l', path.join(dir, 'log'), 'restart', '-m', 'fast']),
    freeze() {
      frozen = pids();
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    },
    thaw,
    async sql(text: string) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(text);
      } finally {
        await client.end();
      }
    },
    remove() {
      try {
        thaw();
        run('pg_ctl', ['-D', data, 'stop', '-m', 'immediate', '-w']);
      } catch {
        // already stopped
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
