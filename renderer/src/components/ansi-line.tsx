import Anser from 'anser';
import type { ReactNode } from 'react';

const ESC = '\u001b';

/** Splits `text` around case-insensitive matches of `query`, marking the matches. */
function highlight(text: string, query: string, key: string): ReactNode[] {
  if (!query) return [text];
  const out: ReactNode[] = [];
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  let from = 0;
  let at = lower.indexOf(q);
  let n = 0;
  while (at !== -1) {
    if (at > from) out.push(text.slice(from, at));
    out.push(<mark key={`${key}-${n++}`}>{text.slice(at, at + q.length)}</mark>);
    from = at + q.length;
    at = lower.indexOf(q, from);
  }
  if (from < text.length) out.push(text.slice(from));
  return out;
}

/** One log line: ANSI SGR colours become styled spans (never HTML), matches are marked. */
export function AnsiLine({ text, query }: { text: string; query: string }) {
  const line = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (!line.includes(ESC)) return <>{highlight(line, query, 'p')}</>;
  const parts = Anser.ansiToJson(line, { json: true, remove_empty: true, use_classes: false });
  return (
    <>
      {parts.map((part, i) => {
        const style: Record<string, string> = {};
        if (part.fg) style.color = `rgb(${part.fg})`;
        if (part.bg) style.backgroundColor = `rgb(${part.bg})`;
        const decorations = part.decorations ?? [];
        if (decorations.includes('bold')) style.fontWeight = '600';
        if (decorations.includes('italic')) style.fontStyle = 'italic';
        if (decorations.includes('underline')) style.textDecoration = 'underline';
        if (decorations.includes('dim')) style.opacity = '0.7';
        return (
          <span key={i} style={style}>
            {highlight(part.content, query, `a${i}`)}
          </span>
        );
      })}
    </>
  );
}
