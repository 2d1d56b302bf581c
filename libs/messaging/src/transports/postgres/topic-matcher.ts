/**
 * AMQP 0-9-1 topic matching: routing keys and binding patterns are dot-separated words; in a
 * pattern `*` stands for exactly one word and `#` for zero or more words. An empty routing key
 * has no words (so it matches `#` but not `*`), as in RabbitMQ.
 */
export type KeyMatcher = (routingKey: string) => boolean;

function words(key: string): string[] {
  return key === '' ? [] : key.split('.');
}

/** Compile a topic binding pattern into a predicate over routing keys. */
export function compileTopic(pattern: string): KeyMatcher {
  const p = words(pattern);
  if (!p.some((w) => w === '*' || w === '#')) return (key) => key === pattern;
  if (p.every((w) => w === '#')) return () => true;
  return (key) => matchWords(p, words(key));
}

/** True when `routingKey` matches the topic `pattern`. */
export function topicMatches(pattern: string, routingKey: string): boolean {
  return compileTopic(pattern)(routingKey);
}

/** Direct exchanges route on the exact key. */
export function compileDirect(bindingKey: string): KeyMatcher {
  return (key) => key === bindingKey;
}

/**
 * Dynamic programming over (pattern position, key position): `reach[j]` is true when the
 * first i pattern words can consume exactly the first j key words.
 */
function matchWords(pattern: string[], key: string[]): boolean {
  let reach = new Array<boolean>(key.length + 1).fill(false);
  reach[0] = true;
  for (const word of pattern) {
    const next = new Array<boolean>(key.length + 1).fill(false);
    if (word === '#') {
      // `#` consumes zero or more words: reachable from any earlier reachable position.
      let any = false;
      for (let j = 0; j <= key.length; j++) {
        any = any || reach[j]!;
        next[j] = any;
      }
    } else {
      for (let j = 1; j <= key.length; j++) {
        next[j] = reach[j - 1]! && (word === '*' || word === key[j - 1]);
      }
    }
    reach = next;
  }
  return reach[key.length]!;
}
