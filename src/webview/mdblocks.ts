/**
 * Where streamed markdown can be cut so the part before the cut renders the same on its own as inside the
 * whole text: at the start of a line that follows a blank line, outside a fenced code block, and that does
 * not continue the block before it (an indented line, a list item, a quote, a table row). The rendered view
 * renders the text up to the last cut once and only re-renders what follows it, so a long answer costs the
 * same per frame as a short one. (A reference-style link defined after a cut does not apply before it.)
 */

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
/** A line that may continue the block before a blank line: indented, a list item, a quote or a table row. */
const CONTINUES = /^(\s|[-*+>|]|\d{1,9}[.)])/;

/** The last cut in `text` (the text after the previous cut); 0 when there is none yet. */
export function stableMarkdownEnd(text: string): number {
  let end = 0;
  let fence: { char: string; len: number } | undefined;
  let prevBlank = false;
  for (let pos = 0; ;) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) break; // the last line may still grow
    const line = text.slice(pos, nl);
    if (!fence && prevBlank && line.trim() !== '' && !CONTINUES.test(line)) end = pos;
    const m = FENCE.exec(line);
    if (m) {
      const marker = m[1]!;
      if (!fence) {
        if (!(marker[0] === '`' && m[2]!.includes('`'))) fence = { char: marker[0]!, len: marker.length };
      } else if (marker[0] === fence.char && marker.length >= fence.len && m[2]!.trim() === '') {
        fence = undefined;
      }
    }
    prevBlank = !fence && line.trim() === '';
    pos = nl + 1;
  }
  return end;
}
