/** A piece of a `\set` argument as psql builds it: text as it is, or a variable's value. */
export type ValuePart = { text: string } | { variable: string; quote: '' | "'" | '"' };

const NAME = '[A-Za-z0-9_\\x80-\\xff]+';
const VARIABLE = new RegExp(`^:(?:'(${NAME})'|"(${NAME})"|(${NAME})|\\{\\?(${NAME})\\})`);

/**
 * The arguments of `\set` (name first) as psql reads them (psqlscanslash.l, OT_NORMAL): '...'
 * gives its content ('' a quote), "..." stays as it is, quotes included, and `:name`,
 * `:'name'` and `:"name"` are variables (`:{?name}` too: TRUE or FALSE, whether it is set).
 * psql joins the value's words without a separator. A backslash or backquote is refused
 * before this matters (lib/psql/guard/variables.ts), so neither is read here.
 */
export function setArguments(args: string): ValuePart[][] {
  const words: ValuePart[][] = [];
  let k = 0;
  for (;;) {
    while (k < args.length && /\s/.test(args[k] as string)) k++;
    if (k >= args.length) return words;
    const word: ValuePart[] = [];
    while (k < args.length && !/\s/.test(args[k] as string)) k = readPart(args, k, word);
    words.push(word);
  }
}

function readPart(args: string, k: number, word: ValuePart[]): number {
  const c = args[k] as string;
  if (c === "'" || c === '"') {
    const end = closingQuote(args, k);
    const body = args.slice(k + 1, end);
    addText(word, c === "'" ? body.replaceAll("''", "'") : `"${body}"`);
    return end + 1;
  }
  const v = c === ':' ? VARIABLE.exec(args.slice(k, k + 256)) : null;
  if (!v) {
    addText(word, c);
    return k + 1;
  }
  const [, single, double, plain, defined] = v;
  if (single) word.push({ variable: single, quote: "'" });
  else if (double) word.push({ variable: double, quote: '"' });
  // Whether a name is set is not followed here: the check treats it as a value it cannot know.
  else word.push({ variable: (plain ?? `{?${defined}}`) as string, quote: '' });
  return k + v[0].length;
}

/** Text joins the text before it, so that a plain word is one part. */
function addText(word: ValuePart[], text: string): void {
  const last = word.at(-1);
  if (last && 'text' in last) last.text += text;
  else word.push({ text });
}

/** Where the quote opened at `open` closes (a doubled one is part of the text), or the end. */
function closingQuote(args: string, open: number): number {
  const q = args[open] as string;
  for (let k = open + 1; k < args.length; k++) {
    if (args[k] !== q) continue;
    if (args[k + 1] !== q) return k;
    k++;
  }
  return args.length;
}

/**
 * Every text the parts can make, each part given its possible texts; undefined past `max`
 * (the check then treats the value as one it cannot know).
 */
export function possibleTexts(choices: string[][], max: number): string[] | undefined {
  let texts = [''];
  for (const options of choices) {
    if (texts.length * options.length > max) return undefined;
    texts = texts.flatMap((t) => options.map((o) => t + o));
  }
  return texts;
}
