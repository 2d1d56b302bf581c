/** Language names some OpenAI-compatible servers answer with (`"language": "english"`), by BCP 47 code. */
const NAMES: Readonly<Record<string, string>> = {
  english: 'en', russian: 'ru', german: 'de', french: 'fr', spanish: 'es', italian: 'it', portuguese: 'pt', ukrainian: 'uk',
  belarusian: 'be', kazakh: 'kk', polish: 'pl', czech: 'cs', dutch: 'nl', swedish: 'sv', finnish: 'fi', turkish: 'tr',
  arabic: 'ar', hebrew: 'he', hindi: 'hi', chinese: 'zh', japanese: 'ja', korean: 'ko', greek: 'el', romanian: 'ro',
  hungarian: 'hu', bulgarian: 'bg', serbian: 'sr', croatian: 'hr', georgian: 'ka', armenian: 'hy', uzbek: 'uz', vietnamese: 'vi',
};

/** A provider's language as a BCP 47 code: codes kept (lower case), names mapped, `fallback` otherwise. */
export function languageCode(value: string | undefined, fallback: string): string {
  const v = (value ?? '').trim().toLowerCase();
  if (!v) return fallback;
  if (/^[a-z]{2,3}([-_][a-z0-9]+)*$/.test(v) && !NAMES[v]) return v.replace('_', '-');
  return NAMES[v] ?? fallback;
}

/** The primary subtag (`en` of `en-GB`), as the transcription APIs take it. */
export function primaryLanguage(code: string | undefined): string | undefined {
  const v = code?.trim().toLowerCase();
  return v ? v.split(/[-_]/)[0] : undefined;
}
