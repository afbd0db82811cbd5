// A tiny well-formedness checker for the markup this package writes (tests only): balanced tags,
// quoted attributes, escaped text. Not a general HTML parser; it accepts HTML void elements.

const VOID_ELEMENTS = new Set(['meta', 'br', 'hr', 'img', 'input', 'link', 'col', 'wbr', 'source', 'area', 'base']);
const RAW_TEXT_ELEMENTS = new Set(['style', 'script']);
const ENTITY = /^&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);/;
const ATTRIBUTE = /^\s+([a-zA-Z_:][-\w:.]*)="([^"<]*)"/;

function checkText(text: string, at: number, problems: string[]): void {
  for (let i = text.indexOf('&'); i >= 0; i = text.indexOf('&', i + 1)) {
    if (!ENTITY.test(text.slice(i))) problems.push(`unescaped '&' at ${at + i}`);
  }
  if (text.includes('>')) problems.push(`raw '>' in text at ${at}`);
}

/** Problems found in `markup`; an empty list means it is well-formed. */
export function markupProblems(markup: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let i = 0;
  while (i < markup.length) {
    const open = markup.indexOf('<', i);
    if (open < 0) {
      checkText(markup.slice(i), i, problems);
      break;
    }
    checkText(markup.slice(i, open), i, problems);
    const rest = markup.slice(open);
    if (rest.startsWith('<!--')) {
      const end = markup.indexOf('-->', open);
      if (end < 0) return [...problems, `unterminated comment at ${open}`];
      i = end + 3;
      continue;
    }
    if (rest.startsWith('<!') || rest.startsWith('<?')) {
      const end = markup.indexOf('>', open);
      if (end < 0) return [...problems, `unterminated declaration at ${open}`];
      i = end + 1;
      continue;
    }
    const close = /^<\/([a-zA-Z][\w:-]*)\s*>/.exec(rest);
    if (close) {
      const top = stack.pop();
      if (top !== close[1]) problems.push(`</${close[1]}> at ${open} closes <${top ?? 'nothing'}>`);
      i = open + close[0].length;
      continue;
    }
    const name = /^<([a-zA-Z][\w:-]*)/.exec(rest);
    if (!name) {
      problems.push(`stray '<' at ${open}`);
      i = open + 1;
      continue;
    }
    let j = name[0].length;
    for (let m = ATTRIBUTE.exec(rest.slice(j)); m; m = ATTRIBUTE.exec(rest.slice(j))) {
      checkText(m[2], open + j, problems);
      j += m[0].length;
    }
    const end = /^\s*(\/?)>/.exec(rest.slice(j));
    if (!end) {
      problems.push(`malformed tag <${name[1]}> at ${open}: ${rest.slice(0, 80)}`);
      i = open + 1;
      continue;
    }
    i = open + j + end[0].length;
    const tag = name[1];
    if (end[1] === '/' || VOID_ELEMENTS.has(tag.toLowerCase())) continue;
    if (RAW_TEXT_ELEMENTS.has(tag)) {
      const closing = markup.indexOf(`</${tag}>`, i);
      if (closing < 0) return [...problems, `unterminated <${tag}>`];
      i = closing + tag.length + 3;
      continue;
    }
    stack.push(tag);
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' > ')}`);
  return problems;
}

/** Text content of every element named `tag` (markup inside included), in document order. */
export function elementsNamed(markup: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g');
  for (let m = re.exec(markup); m; m = re.exec(markup)) out.push(m[1]);
  return out;
}
