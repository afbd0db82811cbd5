import { describe, expect, it } from 'vitest';
import { markupProblems } from './markup-check.testing.js';

// The structure checks of every other test rely on this checker, so it must reject bad markup.
describe('markupProblems', () => {
  it('accepts balanced markup with void elements, comments, raw text and entities', () => {
    expect(markupProblems('<!DOCTYPE html><p a="1">x &amp; y<br><!-- c --><style>a > b {}</style><i/></p>')).toEqual([]);
  });
  it('rejects crossed, unclosed and stray tags, unquoted attributes and raw ampersands', () => {
    expect(markupProblems('<a><b></a></b>')).not.toEqual([]);
    expect(markupProblems('<a>')).not.toEqual([]);
    expect(markupProblems('<a x=1></a>')).not.toEqual([]);
    expect(markupProblems('<a>x & y</a>')).not.toEqual([]);
    expect(markupProblems('<a>1 < 2</a>')).not.toEqual([]);
    expect(markupProblems('<a>2 > 1</a>')).not.toEqual([]);
  });
});
