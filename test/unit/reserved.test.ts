import { describe, expect, it } from 'vitest';
import { isReservedPseudonym, skeleton } from '../../server/accounts/reserved';
import { DELETED_MEMBER } from '../../server/forum/forum.views';
import { ADJECTIVES, ANIMALS } from '../../server/lib/alias-words';

describe('pseudonyms that pass for staff, the system or an alias', () => {
  it('refuses look-alikes of staff and of the names Haven shows', () => {
    const lookalikes = [
      'Adm1n', 'Admln', 'Adrnin', 'ADMIN', 'Ad_Min', 'm0derator', 'M0d3rat0r', 'Mod_Team', 'ModTeam2', 'Support-Team', 'Crisis-Line',
      'CrisisHelpline', 'community', 'c0mmunity', 'deIeted-member', 'Deleted_Member7', 'Anonymous_Gentle_Heron', 'An0nymous',
      'Gentle_Heron', 'QuietOtter', 'anon-Brave-Fox', 'Haven_Staff', 'system', 'Sys7em', 'Official-Support', 'Trust-and-Safety',
      'command-line', 'Help-Desk', 'The-Mod-Team',
    ];
    for (const name of lookalikes) expect(isReservedPseudonym(name), name).toBe(true);
  });

  it('covers every alias Haven can make and the placeholder of erased members', () => {
    for (const a of ADJECTIVES) for (const b of ANIMALS) expect(isReservedPseudonym(`${a}_${b}`)).toBe(true);
    expect(isReservedPseudonym(DELETED_MEMBER.replace(' ', '-'))).toBe(true);
  });

  it('leaves ordinary names alone', () => {
    const ordinary = [
      'QuietWillow77', 'river_stone', 'sam_k', 'blue_kettle', 'daybreak', 'Theon', 'modest_mouse', 'Helena', 'lineman',
      'badminton', 'teamwork', 'CareBear', 'Ana_M', 'mike', 'maple_days', 'northern_light', 'slow_tide', 'Willow',
    ];
    for (const name of ordinary) expect(isReservedPseudonym(name), name).toBe(false);
  });

  it('reads digits and blurred shapes as the letters they resemble', () => {
    expect(skeleton('Adrnin')).toBe(skeleton('admin'));
    expect(skeleton('m0d-3rat0r')).toBe(skeleton('moderator'));
    expect(skeleton('VVolf')).toBe(skeleton('wolf'));
    expect(skeleton('CIean')).toBe(skeleton('clean'));
  });
});
