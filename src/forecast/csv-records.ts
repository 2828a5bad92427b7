/** A field of a CSV record with where it starts in the file (1-based line and column). */
export interface CsvField {
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

/** A record: its fields' texts and where each starts (compact: large files have many records). */
export interface CsvRecord {
  readonly line: number;
  readonly texts: readonly string[];
  /** Line of each field's start (differs from `line` only after a quoted line break). */
  readonly lines: readonly number[];
  readonly columns: readonly number[];
}

export function fieldOf(rec: CsvRecord, i: number): CsvField {
  return { text: rec.texts[i] ?? '', line: rec.lines[i] ?? rec.line, column: rec.columns[i] ?? 1 };
}

export interface CsvParse {
  readonly delimiter: ',' | ';';
  readonly records: readonly CsvRecord[];
  /** Syntax problems (an unclosed quote, text after a closing quote), with their position. */
  readonly errors: readonly { readonly line: number; readonly column: number; readonly message: string }[];
}

/**
 * RFC 4180 CSV with positions: quoted fields ("" is a quote, line breaks allowed inside), CRLF or
 * LF, a UTF-8 BOM. The delimiter is ',' or ';' (Dutch spreadsheets write ';'), taken from the first
 * record. Blank lines and lines starting with '#' (comments) carry no data and are skipped.
 */
export function parseCsv(input: string): CsvParse {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const delimiter = detectDelimiter(text);
  const records: CsvRecord[] = [];
  const errors: { line: number; column: number; message: string }[] = [];
  let i = 0;
  let line = 1;
  let col = 1;
  const n = text.length;
  while (i < n) {
    // At the start of a record: skip blank and comment lines.
    const c0 = text[i];
    if (c0 === '\n' || c0 === '\r') {
      i += c0 === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line += 1;
      col = 1;
      continue;
    }
    if (c0 === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    const recordLine = line;
    const texts: string[] = [];
    const lines: number[] = [];
    const columns: number[] = [];
    for (;;) {
      const fieldLine = line;
      const fieldCol = col;
      let value = '';
      if (text[i] === '"') {
        i++;
        col++;
        let closed = false;
        while (i < n) {
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              col += 2;
              continue;
            }
            i++;
            col++;
            closed = true;
            break;
          }
          if (c === '\n') {
            line++;
            col = 1;
          } else col++;
          value += c;
          i++;
        }
        if (!closed) {
          errors.push({ line: fieldLine, column: fieldCol, message: 'quoted field is not closed (a " is missing)' });
          return { delimiter, records, errors };
        }
        // After a closing quote only the delimiter or the end of the line may follow.
        if (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') {
          errors.push({
            line,
            column: col,
            message: `text after a closing quote; quote the whole field or write "" for a quote inside it`,
          });
          while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') {
            i++;
            col++;
          }
        }
      } else {
        const start = i;
        while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') i++;
        value = text.slice(start, i);
        col += i - start;
      }
      texts.push(value);
      lines.push(fieldLine);
      columns.push(fieldCol);
      if (i < n && text[i] === delimiter) {
        i++;
        col++;
        continue;
      }
      break;
    }
    records.push({ line: recordLine, texts, lines, columns });
    if (i < n) {
      i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      col = 1;
    }
  }
  return { delimiter, records, errors };
}

/** ';' when the first data line has more semicolons than commas outside quotes, else ','. */
function detectDelimiter(text: string): ',' | ';' {
  let i = 0;
  // Skip leading blank and comment lines.
  for (;;) {
    if (text[i] === '#') {
      const nl = text.indexOf('\n', i);
      if (nl < 0) return ',';
      i = nl + 1;
    } else if (text[i] === '\n' || text[i] === '\r') i++;
    else break;
  }
  let commas = 0;
  let semis = 0;
  let quoted = false;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && c === ',') commas++;
    else if (!quoted && c === ';') semis++;
  }
  return semis > commas ? ';' : ',';
}
