import { firstMatch, matchRules, unsafePattern, type MatchCandidate, type MatchingRules } from './matching-rules';

const SOURCE_A = '0190a000-0000-7000-8000-00000000000a';
const SOURCE_B = '0190a000-0000-7000-8000-00000000000b';
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
const template = (id: string, matchingRules: MatchingRules, extra: Partial<MatchCandidate> = {}): MatchCandidate => ({
  id, priority: 0, createdAt: at(Number(id.replace(/\D/g, '')) || 0), isDraft: false, isActive: true, isDefault: false, matchingRules, ...extra,
});

/** leap-inventory §4.1, case by case: the rules of one template against one recording. */
describe('matchRules', () => {
  it.each<[string, MatchingRules, { title: string; sourceId?: string }, ReturnType<typeof matchRules>]>([
    ['an exact title, case-insensitive by default', { exactMatches: ['Algebra Lecture'] }, { title: 'algebra lecture' }, { rule: 'exact', value: 'Algebra Lecture' }],
    ['an exact title is the whole title, not a part', { exactMatches: ['Algebra'] }, { title: 'Algebra Lecture' }, null],
    ['a keyword anywhere in the title', { keywords: ['physics'] }, { title: 'Week 3: Physics of waves' }, { rule: 'keyword', value: 'physics' }],
    ['case-sensitive rules respect case', { keywords: ['physics'], caseSensitive: true }, { title: 'Week 3: Physics' }, null],
    ['a pattern', { patterns: ['^Lecture \\d+$'] }, { title: 'lecture 12' }, { rule: 'pattern', value: '^Lecture \\d+$' }],
    ['exact comes before keyword and pattern', { patterns: ['.*'], keywords: ['talk'], exactMatches: ['talk'] }, { title: 'Talk' }, { rule: 'exact', value: 'talk' }],
    ['keyword comes before pattern', { patterns: ['t.lk'], keywords: ['talk'] }, { title: 'A talk' }, { rule: 'keyword', value: 'talk' }],
    ['an exclude keyword rules the template out', { keywords: ['lecture'], excludeKeywords: ['draft'] }, { title: 'Lecture (DRAFT)' }, null],
    ['an exclude pattern rules the template out', { keywords: ['lecture'], excludePatterns: ['^test'] }, { title: 'Test lecture' }, null],
    ['the source filter keeps recordings of its sources', { keywords: ['lecture'], sourceIds: [SOURCE_A] }, { title: 'Lecture', sourceId: SOURCE_A }, { rule: 'keyword', value: 'lecture' }],
    ['the source filter rules out other sources', { keywords: ['lecture'], sourceIds: [SOURCE_A] }, { title: 'Lecture', sourceId: SOURCE_B }, null],
    ['the source filter rules out a recording with no source', { keywords: ['lecture'], sourceIds: [SOURCE_A] }, { title: 'Lecture' }, null],
    ['empty rules never match', {}, { title: 'Anything' }, null],
    ['empty lists never match', { exactMatches: [], keywords: [], patterns: [] }, { title: 'Anything' }, null],
    ['a source filter alone never matches', { sourceIds: [SOURCE_A] }, { title: 'Anything', sourceId: SOURCE_A }, null],
    ['excludes alone never match', { excludeKeywords: ['x'] }, { title: 'Anything' }, null],
  ])('%s', (_name, rules, subject, expected) => {
    expect(matchRules(rules, { title: subject.title, sourceId: subject.sourceId ?? null })).toEqual(expected);
  });
});

describe('firstMatch', () => {
  const subject = { title: 'Linear algebra, lecture 4', sourceId: SOURCE_A };

  it('takes the first template that matches, in creation order', () => {
    const hit = firstMatch([template('t3', { keywords: ['lecture'] }), template('t1', { keywords: ['algebra'] }), template('t2', { keywords: ['biology'] })], subject);
    expect(hit?.template.id).toBe('t1');
    expect(hit?.reason).toEqual({ rule: 'keyword', value: 'algebra' });
  });

  it('tries a higher priority first, whatever its age', () => {
    const hit = firstMatch([template('t1', { keywords: ['algebra'] }), template('t9', { keywords: ['lecture'] }, { priority: 5 })], subject);
    expect(hit?.template.id).toBe('t9');
  });

  it('never picks a draft, an inactive or the default template', () => {
    const hit = firstMatch(
      [
        template('t1', { keywords: ['algebra'] }, { isDraft: true }),
        template('t2', { keywords: ['algebra'] }, { isActive: false }),
        template('t3', { keywords: ['algebra'] }, { isDefault: true }),
        template('t4', { keywords: ['lecture'] }),
      ],
      subject,
    );
    expect(hit?.template.id).toBe('t4');
  });

  it('goes on past a template whose excludes or source filter rule it out', () => {
    const hit = firstMatch(
      [template('t1', { keywords: ['algebra'], excludeKeywords: ['lecture 4'] }), template('t2', { keywords: ['algebra'], sourceIds: [SOURCE_B] }), template('t3', { patterns: ['lecture \\d'] })],
      subject,
    );
    expect(hit).toEqual({ template: expect.objectContaining({ id: 't3' }), reason: { rule: 'pattern', value: 'lecture \\d' } });
  });

  it('answers null when nothing matches', () => {
    expect(firstMatch([template('t1', { keywords: ['biology'] }), template('t2', {})], subject)).toBeNull();
  });
});

describe('unsafePattern', () => {
  it.each([
    ['^Lecture \\d+$', null],
    ['(?:week|day) \\d{1,2}', null],
    ['(?<n>\\d+)-(ab)?', null],
    ['[(+*]+x', null],
    ['(a+)+$', 'must not repeat a group that holds a repetition or an alternation (catastrophic backtracking)'],
    ['(a|aa)*b', 'must not repeat a group that holds a repetition or an alternation (catastrophic backtracking)'],
    ['((ab)*c)+', 'must not repeat a group that holds a repetition or an alternation (catastrophic backtracking)'],
    ['(\\w+\\s?){2,}', 'must not repeat a group that holds a repetition or an alternation (catastrophic backtracking)'],
    ['(a)\\1', 'must not use backreferences'],
    ['(?=a)b', 'must not use lookarounds'],
    ['(unclosed', expect.stringContaining('is not a valid regular expression')],
    ['', 'must not be empty'],
    ['a'.repeat(301), 'must be at most 300 characters'],
  ])('%s', (pattern, expected) => {
    expect(unsafePattern(pattern)).toEqual(expected);
  });

  it('matches a long title through a safe pattern, looking at its first 1000 characters only', () => {
    expect(matchRules({ patterns: ['^(?:a|b)+c$'] }, { title: `${'a'.repeat(5000)}!`, sourceId: null })).toBeNull();
    expect(matchRules({ patterns: ['a{1000}$'] }, { title: 'a'.repeat(5000), sourceId: null })).toEqual({ rule: 'pattern', value: 'a{1000}$' });
  });
});
