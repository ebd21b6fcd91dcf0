import { describe, expect, it } from 'vitest';
import { crisisMatcher, loadCrisisConfig } from '../../server/moderation/crisis';

describe('crisis phrase matching', () => {
  const matches = crisisMatcher(['want to die', 'suicide', 'rapist', "can't go on", 'kill myself']);

  it.each([
    'I want to die',
    'i WANT   TO die.',
    'Suicide is on my mind',
    '(suicide)',
    'I can’t go on like this',
    "i can't go on",
    'going to kill myself',
  ])('matches %j', (text) => expect(matches(text)).toBe(true));

  it.each([
    'My therapist is great',
    'suicidetown',
    'presuicide',
    'I want to dine out',
    'kill myselfie',
    'nothing here',
  ])('does not match %j (word-bounded)', (text) => expect(matches(text)).toBe(false));

  it.each([
    'honestly i might just kms',
    'I don’t want to be here anymore',
    'i dont want to be here anymore',
    'there is no reason to go on',
    'I just want to end it all',
    'thinking about how to unalive myself',
  ])('the built-in list knows how people write it: %j', (text) => {
    expect(crisisMatcher(loadCrisisConfig(undefined).phrases)(text)).toBe(true);
  });

  it('loads the built-in configuration and refuses a bad file', () => {
    const config = loadCrisisConfig(undefined);
    expect(config.resources.some((r) => r.contact.includes('988'))).toBe(true);
    expect(() => loadCrisisConfig('/nonexistent/crisis.json')).toThrow(/CRISIS_CONFIG/);
  });
});
