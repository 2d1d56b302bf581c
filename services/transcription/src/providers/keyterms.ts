/** At most this many key terms go to a provider (the reference's cap). */
export const MAX_KEYTERMS = 200;
/** A key term is a phrase of one to six words. */
export const MAX_KEYTERM_WORDS = 6;

/**
 * Key terms from the recording's title and the template's vocabulary, as the reference builds
 * them: blanks collapsed, terms of one to six words kept, duplicates dropped ignoring case (the
 * first spelling wins), at most 200, in the order given (the title first).
 */
export function buildKeyterms(terms: readonly (string | undefined)[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of terms) {
    const term = (raw ?? '').replace(/\s+/g, ' ').trim();
    if (!term) continue;
    const words = term.split(' ').length;
    if (words < 1 || words > MAX_KEYTERM_WORDS) continue;
    const key = term.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(term);
    if (out.length === MAX_KEYTERMS) break;
  }
  return out;
}
