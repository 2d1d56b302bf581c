import { buildKeyterms, MAX_KEYTERMS } from './keyterms';

describe('buildKeyterms', () => {
  it('keeps the title and vocabulary terms of one to six words, blanks collapsed, duplicates dropped ignoring case', () => {
    expect(
      buildKeyterms(['  Linear   Algebra: lecture 3 ', 'eigenvalues', 'EIGENVALUES', 'a term of far more than six words in it', '', undefined, 'Gauss–Jordan'])
    ).toEqual(['Linear Algebra: lecture 3', 'eigenvalues', 'Gauss–Jordan']);
  });

  it('stops at 200 terms', () => {
    const terms = Array.from({ length: 250 }, (_, i) => `term ${i}`);
    expect(buildKeyterms(terms)).toEqual(terms.slice(0, MAX_KEYTERMS));
  });
});
