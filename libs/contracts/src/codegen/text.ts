/** The first sentence of a description (or its first paragraph when it has no full stop). */
export function summaryOf(description: string): string {
  const firstParagraph = description.split(/\n\s*\n/)[0].replace(/\s*\n\s*/g, ' ');
  const sentence = /^(.+?[.!?])(\s|$)/.exec(firstParagraph);
  return (sentence ? sentence[1] : firstParagraph).trim();
}
