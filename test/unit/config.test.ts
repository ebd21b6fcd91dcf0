import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_PASSWORD_HASH, loadConfig } from '../../server/config';

describe('loadConfig', () => {
  it('has the documented defaults and is frozen', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      publicOrigin: 'http://localhost:3000',
      databaseUrl: undefined,
      autoHideFlags: 3,
      logLevel: 'info',
      rateLimitFactor: 1,
      secureCookies: false,
      passwordHash: DEFAULT_PASSWORD_HASH,
    });
    expect(c.dataDir.endsWith('/data')).toBe(true);
    // The README's address works too while no origin is configured.
    expect(c.allowedOrigins).toEqual(['http://localhost:3000', 'http://127.0.0.1:3000']);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      PUBLIC_ORIGIN: 'https://haven.example.org',
      DATABASE_URL: 'postgres://u@db:5432/haven',
      DATA_DIR: '/var/lib/haven',
      SERVER_SECRET: 's'.repeat(40),
      AUTO_HIDE_FLAGS: '5',
      LOG_LEVEL: 'warn',
      ADMIN_PSEUDONYM: 'keeper',
      ADMIN_PASSWORD: 'a long admin password',
      RATE_LIMIT_FACTOR: '2.5',
    });
    expect(c).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      publicOrigin: 'https://haven.example.org',
      allowedOrigins: ['https://haven.example.org'],
      secureCookies: true,
      databaseUrl: 'postgres://u@db:5432/haven',
      dataDir: '/var/lib/haven',
      autoHideFlags: 5,
      logLevel: 'warn',
      admin: { pseudonym: 'keeper', password: 'a long admin password' },
      rateLimitFactor: 2.5,
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PUBLIC_ORIGIN: 'not a url' }, 'PUBLIC_ORIGIN'],
    [{ PUBLIC_ORIGIN: 'https://haven.example.org/forum' }, 'PUBLIC_ORIGIN'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ SERVER_SECRET: 'short' }, 'SERVER_SECRET'],
    [{ AUTO_HIDE_FLAGS: '0' }, 'AUTO_HIDE_FLAGS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ RATE_LIMIT_FACTOR: '0' }, 'RATE_LIMIT_FACTOR'],
    [{ ADMIN_PSEUDONYM: 'keeper' }, 'ADMIN_PASSWORD'],
    [{ ADMIN_PSEUDONYM: 'bad name!', ADMIN_PASSWORD: 'long enough pw' }, 'ADMIN_PSEUDONYM'],
  ])('refuses %j naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 3000, databaseUrl: undefined });
  });
});

describe('TRUST_PROXY and SESSION_MAX_DAYS', () => {
  it('refuses "true", saying what to write instead', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(ConfigError);
    try {
      loadConfig({ TRUST_PROXY: 'true' });
    } catch (err) {
      expect((err as Error).message).toMatch(/TRUST_PROXY/);
      expect((err as Error).message).toMatch(/how many proxies/);
      expect((err as Error).message).toMatch(/10\.0\.0\.0\/8/);
    }
  });

  it('takes a proxy count or a list of addresses and networks', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.5,fd00::/8' }).trustProxy).toEqual(['10.0.0.0/8', '192.168.1.5', 'fd00::/8']);
    for (const bad of ['yes', '11', '10.0.0.0/99', 'proxy.example', '1.2.3', '']) {
      if (bad === '') continue; // empty counts as unset
      expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(ConfigError);
    }
  });

  it('refuses a trusted network that covers public addresses, at config, naming it', () => {
    for (const open of ['0.0.0.0/0', '0.0.0.0/1,128.0.0.0/1', '10.0.0.0/8, 8.0.0.0/7', '::/0', '2000::/3', '172.0.0.0/8', '192.168.0.0/15', '::ffff:0.0.0.0/96']) {
      let message = '';
      try {
        loadConfig({ TRUST_PROXY: open });
      } catch (err) {
        expect(err, open).toBeInstanceOf(ConfigError);
        message = (err as Error).message;
      }
      expect(message, open).toMatch(/TRUST_PROXY: must not name a network that covers public addresses/);
      expect(message, open).toContain(open.split(',').map((e) => e.trim()).find((e) => e !== '10.0.0.0/8'));
    }
    // Private and loopback networks, and single proxy addresses (public ones too), are fine.
    for (const ok of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.1/32', '100.64.0.0/10', 'fc00::/7', 'fd12:3456::/32', '::1/128', 'fe80::/64', '::ffff:10.0.0.0/104', '203.0.113.10', '203.0.113.10/32', '2001:db8::1']) {
      expect(loadConfig({ TRUST_PROXY: ok }).trustProxy, ok).toEqual([ok]);
    }
  });

  it('ends sessions after 90 days by default', () => {
    expect(loadConfig({}).sessionMaxDays).toBe(90);
    expect(loadConfig({ SESSION_MAX_DAYS: '7' }).sessionMaxDays).toBe(7);
    expect(() => loadConfig({ SESSION_MAX_DAYS: '0' })).toThrow(ConfigError);
  });
});

describe('fault bounds', () => {
  it('bounds database statements at 10 s and sheds load past a 2 s event-loop delay, both settable', () => {
    expect(loadConfig({}).dbQueryTimeoutMs).toBe(10_000);
    expect(loadConfig({}).maxEventLoopDelayMs).toBe(2_000);
    expect(loadConfig({ DB_QUERY_TIMEOUT_MS: '1500', MAX_EVENT_LOOP_DELAY_MS: '0' })).toMatchObject({ dbQueryTimeoutMs: 1500, maxEventLoopDelayMs: 0 });
    expect(() => loadConfig({ DB_QUERY_TIMEOUT_MS: '0' })).toThrow(ConfigError);
  });
});

describe('waits said kindly', () => {
  it('in seconds, minutes or hours, the way a person says them', async () => {
    const { humanWait, rateLimitMessage } = await import('../../server/http/errors');
    expect(humanWait(1)).toBe('1 second');
    expect(humanWait(40)).toBe('40 seconds');
    expect(humanWait(534)).toBe('9 minutes');
    expect(humanWait(60)).toBe('1 minute');
    expect(humanWait(5400)).toBe('2 hours');
    expect(rateLimitMessage(534)).toBe('You have done that a lot just now. You can try again in 9 minutes.');
  });
});
