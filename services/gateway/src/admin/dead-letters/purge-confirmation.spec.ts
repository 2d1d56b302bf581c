import { PurgeConfirmation } from './purge-confirmation';

describe('the confirmation token of a purge', () => {
  let now = 1_000_000;
  const confirmations = new PurgeConfirmation(Buffer.from('key'), 60_000, () => now);

  it('confirms what it was issued for, to whom, until it expires', () => {
    const { token } = confirmations.issue('admin-1', { group: 'abc' });
    expect(confirmations.verify(token, 'admin-1', { group: 'abc' })).toBe(true);
    expect(confirmations.verify(token, 'admin-2', { group: 'abc' })).toBe(false);
    expect(confirmations.verify(token, 'admin-1', { group: 'abd' })).toBe(false);
    expect(confirmations.verify(token, 'admin-1', { all: true })).toBe(false);
    expect(new PurgeConfirmation(Buffer.from('other'), 60_000, () => now).verify(token, 'admin-1', { group: 'abc' })).toBe(false);
    now += 60_001;
    expect(confirmations.verify(token, 'admin-1', { group: 'abc' })).toBe(false);
  });

  it('does not mind the order of the ids it names, and refuses a token that is not one', () => {
    const { token } = confirmations.issue('a', { ids: ['q.error:1', 'q.error:2'] });
    expect(confirmations.verify(token, 'a', { ids: ['q.error:2', 'q.error:1'] })).toBe(true);
    expect(confirmations.verify('nonsense', 'a', { all: true })).toBe(false);
  });
});
