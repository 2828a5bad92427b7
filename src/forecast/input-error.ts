import { CodedError, ERROR_CODES } from '../errors/error-codes.ts';

/** One problem in an input file: where it is and which rule it breaks. */
export interface InputIssue {
  readonly file: string;
  /** 1-based; 0 when the problem concerns the file as a whole. */
  readonly line: number;
  /** 1-based character column; 0 when the problem concerns a whole line or file. */
  readonly column: number;
  readonly message: string;
}

/** 'file:line:column: message', leaving out a line or column of 0 (the problem is the whole file or line, or an option). */
export function formatIssue(i: InputIssue): string {
  const where = i.line === 0 ? i.file : i.column === 0 ? `${i.file}:${i.line}` : `${i.file}:${i.line}:${i.column}`;
  return `${where}: ${i.message}`;
}

/** Bad input (forecast, actuals, profiles, options): every problem found, never a stack trace. */
export class ForecastInputError extends CodedError {
  readonly code = ERROR_CODES.FORECAST_INPUT_INVALID;
  constructor(readonly issues: readonly InputIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ForecastInputError';
  }
}

/** Collects issues up to a bound, so a file full of errors still gives a readable answer. */
export class IssueList {
  readonly issues: InputIssue[] = [];
  #dropped = 0;

  constructor(readonly max = 50) {}

  add(file: string, line: number, column: number, message: string): void {
    if (this.issues.length < this.max) this.issues.push({ file, line, column, message });
    else this.#dropped += 1;
  }

  get empty(): boolean {
    return this.issues.length === 0;
  }

  /** Throws when anything was found; the last issue says how many more were not listed. */
  throwIfAny(): void {
    if (this.issues.length === 0) return;
    const all = [...this.issues];
    if (this.#dropped > 0) {
      const last = all[all.length - 1]!;
      all.push({
        file: last.file,
        line: 0,
        column: 0,
        message: `… and ${this.#dropped} more problems not listed (fix the ones above first)`,
      });
    }
    throw new ForecastInputError(all);
  }
}
