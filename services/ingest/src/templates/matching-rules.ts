/**
 * Template matching, pure: which of a user's templates a recording goes to, and why.
 *
 * The reference's algorithm (leap-inventory §4.1) with an explicit priority in front of its
 * creation order: candidates are the active, non-draft, non-default templates, tried by
 * `priority` (higher first), then by creation (older first); the source filter and the excludes
 * can only rule a template out; then an exact title, a keyword, a pattern; the first template
 * that matches wins, and a template with no positive rule never matches.
 */

export interface MatchingRules {
  exactMatches?: string[];
  keywords?: string[];
  patterns?: string[];
  sourceIds?: string[];
  excludeKeywords?: string[];
  excludePatterns?: string[];
  caseSensitive?: boolean;
}

/** What matching needs of a template. */
export interface MatchCandidate {
  id: string;
  priority: number;
  createdAt: Date;
  isDraft: boolean;
  isActive: boolean;
  isDefault: boolean;
  matchingRules: MatchingRules;
}

/** What matching needs of a recording: its title and the input source it came from. */
export interface MatchSubject {
  title: string;
  sourceId: string | null;
}

export interface MatchReason {
  rule: 'exact' | 'keyword' | 'pattern';
  /** The phrase, keyword or pattern of the rule that matched. */
  value: string;
}

/** Titles longer than this are matched on their first characters only (bounds every pattern's work). */
export const MAX_MATCHED_TITLE = 1000;
export const MAX_PATTERN_LENGTH = 300;

/** Why a pattern is refused on save, or null when it is safe to run. */
export function unsafePattern(pattern: string): string | null {
  if (pattern.length === 0) return 'must not be empty';
  if (pattern.length > MAX_PATTERN_LENGTH) return `must be at most ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    return `is not a valid regular expression (${(error as Error).message})`;
  }
  return backtrackingRisk(pattern);
}

/**
 * An RE2-like guard against catastrophic backtracking: no backreferences or lookarounds, and no
 * quantified group that itself holds a quantifier or an alternation (`(a+)+`, `(a|aa)*`), the
 * shapes whose matching time grows exponentially with the input. Everything else runs in
 * polynomial time on a title of at most MAX_MATCHED_TITLE characters.
 */
function backtrackingRisk(pattern: string): string | null {
  /** Per open group: does it hold a quantifier or an alternation? */
  const groups: boolean[] = [];
  let i = 0;
  const quantifierAt = (at: number): number => {
    const c = pattern[at];
    if (c === '*' || c === '+' || c === '?') return 1;
    if (c === '{') {
      const m = /^\{\d+(,\d*)?\}/.exec(pattern.slice(at));
      if (m) return m[0].length;
    }
    return 0;
  };
  const markQuantified = () => {
    if (groups.length) groups[groups.length - 1] = true;
  };
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'must not use backreferences';
      i += 2;
    } else if (c === '[') {
      i += 1;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      i += 1;
    } else if (c === '(') {
      if (/^\(\?(<?[=!])/.test(pattern.slice(i))) return 'must not use lookarounds';
      groups.push(false);
      if (pattern[i + 1] !== '?') i += 1;
      else i = pattern[i + 2] === '<' ? pattern.indexOf('>', i) + 1 : i + 3;
      continue;
    } else if (c === ')') {
      const risky = groups.pop() ?? false;
      i += 1;
      const q = quantifierAt(i);
      if (q) {
        if (risky) return 'must not repeat a group that holds a repetition or an alternation (catastrophic backtracking)';
        markQuantified();
        i += q;
        if (pattern[i] === '?') i += 1;
      } else if (risky) markQuantified();
      continue;
    } else if (c === '|') {
      markQuantified();
      i += 1;
    } else {
      i += 1;
    }
    const q = quantifierAt(i);
    if (q) {
      markQuantified();
      i += q;
      if (pattern[i] === '?') i += 1;
    }
  }
  return null;
}

const hasItems = (list: string[] | undefined): list is string[] => Array.isArray(list) && list.length > 0;

/** Whether the rules can ever match: a template with no exact phrase, keyword or pattern never does. */
export function hasPositiveRule(rules: MatchingRules | null | undefined): boolean {
  return !!rules && (hasItems(rules.exactMatches) || hasItems(rules.keywords) || hasItems(rules.patterns));
}

/** Why these rules match the recording, or null. Patterns are assumed checked by `unsafePattern`. */
export function matchRules(rules: MatchingRules | null | undefined, subject: MatchSubject): MatchReason | null {
  if (!rules || !hasPositiveRule(rules)) return null;
  if (hasItems(rules.sourceIds) && (!subject.sourceId || !rules.sourceIds.includes(subject.sourceId))) return null;
  const sensitive = rules.caseSensitive === true;
  const fold = (s: string) => (sensitive ? s : s.toLowerCase());
  const raw = subject.title.slice(0, MAX_MATCHED_TITLE);
  const title = fold(raw);
  const test = (pattern: string) => {
    try {
      return new RegExp(pattern, sensitive ? 'u' : 'iu').test(raw);
    } catch {
      return false; // a pattern saved before a stricter check: it simply never matches
    }
  };
  if ((rules.excludeKeywords ?? []).some((k) => k !== '' && title.includes(fold(k)))) return null;
  if ((rules.excludePatterns ?? []).some(test)) return null;
  const exact = (rules.exactMatches ?? []).find((e) => fold(e.trim()) === title.trim());
  if (exact !== undefined) return { rule: 'exact', value: exact };
  const keyword = (rules.keywords ?? []).find((k) => k !== '' && title.includes(fold(k)));
  if (keyword !== undefined) return { rule: 'keyword', value: keyword };
  const pattern = (rules.patterns ?? []).find(test);
  if (pattern !== undefined) return { rule: 'pattern', value: pattern };
  return null;
}

/** The templates matching may pick, in the order it tries them. */
export function matchingOrder<T extends MatchCandidate>(templates: T[]): T[] {
  return templates
    .filter((t) => t.isActive && !t.isDraft && !t.isDefault)
    .sort((a, b) => b.priority - a.priority || a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The template a recording goes to (the first that matches), with the reason; null when none does. */
export function firstMatch<T extends MatchCandidate>(templates: T[], subject: MatchSubject): { template: T; reason: MatchReason } | null {
  for (const template of matchingOrder(templates)) {
    const reason = matchRules(template.matchingRules, subject);
    if (reason) return { template, reason };
  }
  return null;
}
