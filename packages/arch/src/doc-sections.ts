import { PimcError } from '@pimc/support';

/**
 * Generated sections inside hand-written Markdown: the text between
 * `<!-- generated:NAME:begin ... -->` and `<!-- generated:NAME:end -->` comes from code
 * (`formatFieldReference`, `formatConstantReference`), so the docs cannot drift from the tables.
 */

function markers(name: string): { begin: RegExp; end: string } {
  return { begin: new RegExp(`<!-- generated:${name}:begin[^>]*-->\\n`), end: `<!-- generated:${name}:end -->` };
}

/** The current content of a generated section, or undefined when the markers are missing. */
export function generatedSection(markdown: string, name: string): string | undefined {
  const { begin, end } = markers(name);
  const m = begin.exec(markdown);
  if (m === null) return undefined;
  const start = m.index + m[0].length;
  const stop = markdown.indexOf(end, start);
  return stop < 0 ? undefined : markdown.slice(start, stop).replace(/\n$/, '');
}

/** `markdown` with a generated section's content replaced (the markers must exist). */
export function replaceGeneratedSection(markdown: string, name: string, content: string): string {
  const { begin, end } = markers(name);
  const m = begin.exec(markdown);
  const stop = m === null ? -1 : markdown.indexOf(end, m.index);
  if (m === null || stop < 0) throw new PimcError('internal', `no generated section '${name}' in the document`);
  return `${markdown.slice(0, m.index + m[0].length)}${content}\n${markdown.slice(stop)}`;
}
