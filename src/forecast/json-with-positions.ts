import { CodedError, ERROR_CODES } from '../errors/error-codes.ts';

export interface Position {
  readonly line: number;
  readonly column: number;
}

export type JsonPath = readonly (string | number)[];

export interface PositionedJson {
  readonly value: unknown;
  /** Where each value starts, by pathKey(path). */
  readonly positions: ReadonlyMap<string, Position>;
}

export class JsonSyntaxError extends CodedError {
  readonly code = ERROR_CODES.JSON_SYNTAX;
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

export const pathKey = (path: JsonPath): string => JSON.stringify(path);

/** The path as people write it: profiles.evening.hourly[3]. */
export function pathText(path: JsonPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(top level)';
}

/**
 * JSON.parse that also records the line and column where every value starts, so a schema
 * problem can point into the file. Strict JSON (RFC 8259); duplicate keys are an error.
 */
export function parseJsonWithPositions(text: string): PositionedJson {
  const positions = new Map<string, Position>();
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = i;
  const pos = (): Position => ({ line, column: i - lineStart + 1 });
  const fail = (msg: string): never => {
    const p = pos();
    throw new JsonSyntaxError(msg, p.line, p.column);
  };
  const ws = (): void => {
    for (;;) {
      const c = text[i];
      if (c === '\n') {
        i++;
        line++;
        lineStart = i;
      } else if (c === ' ' || c === '\t' || c === '\r') i++;
      else return;
    }
  };
  const str = (): string => {
    i++;
    let out = '';
    for (;;) {
      const c = text[i];
      if (c === undefined || c === '\n') fail('string is not closed (a " is missing)');
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        const e = text[i + 1];
        const map: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        if (e !== undefined && map[e] !== undefined) {
          out += map[e];
          i += 2;
          continue;
        }
        fail('invalid escape in a string');
      }
      out += c;
      i++;
    }
  };
  const value = (path: (string | number)[]): unknown => {
    ws();
    positions.set(pathKey(path), pos());
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a "key" in double quotes');
        const keyPos = pos();
        const key = str();
        if (Object.prototype.hasOwnProperty.call(obj, key))
          throw new JsonSyntaxError(`key "${key}" appears twice`, keyPos.line, keyPos.column);
        ws();
        if (text[i] !== ':') fail(`expected ':' after "${key}"`);
        i++;
        obj[key] = value([...path, key]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("expected ',' or '}' (a trailing comma or a missing comma?)");
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value([...path, arr.length]));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (m) {
      i += m[0].length;
      return Number(m[0]);
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return fail(c === undefined ? 'unexpected end of file' : `unexpected '${c}'`);
  };
  const v = value([]);
  ws();
  if (i < text.length) fail('text after the end of the JSON value');
  return { value: v, positions };
}

/** The position of a path, or of its nearest ancestor that has one. */
export function positionOf(doc: PositionedJson, path: JsonPath): Position {
  for (let n = path.length; n >= 0; n--) {
    const p = doc.positions.get(pathKey(path.slice(0, n)));
    if (p) return p;
  }
  return { line: 1, column: 1 };
}
