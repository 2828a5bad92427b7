/** Edit distance (Levenshtein), for "did you mean" on a mistyped name. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j]!;
      row[j] = Math.min(here + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length]!;
}

/** The known name nearest to `input` when it is close enough to be a slip (≤ a third of its length, at least 2), else undefined. */
export function nearest(input: string, known: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const hay = name.toLowerCase();
    const d =
      hay.startsWith(needle) || needle.startsWith(hay)
        ? Math.abs(hay.length - needle.length) * 0.5
        : distance(needle, hay);
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d <= Math.max(2, Math.ceil(needle.length / 3)) ? best.name : undefined;
}

/** "unknown flow 'burger-read': did you mean burger-reads? Known: a, b, c". */
export function unknownName(kind: string, input: string, known: readonly string[]): string {
  const near = nearest(input, known);
  return `unknown ${kind} ${JSON.stringify(input)}${near !== undefined ? `: did you mean ${near}?` : ''} Known: ${known.join(', ')}`;
}
