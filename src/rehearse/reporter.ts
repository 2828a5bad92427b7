/**
 * What the rehearsal tells its user. Human mode: the plan and the reconciliation on stdout, a
 * progress line on stderr (rewritten in place on a terminal, a full line every few seconds
 * otherwise), notable events as lines on stderr. `--json`: one NDJSON event per line on stdout
 * (plan, send, wait, verwerkingsbericht, clock, progress, reconciliation, error), nothing else.
 */
export interface Output {
  stdout(s: string): void;
  stderr(s: string): void;
  readonly isTTY: boolean;
}

export const processOutput: Output = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTTY: process.stderr.isTTY === true,
};

/** Progress line interval on a non-terminal, wall ms. */
const PLAIN_PROGRESS_EVERY_MS = 5_000;

export class Reporter {
  #line = false;
  #lastPlain = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly out: Output,
    readonly json: boolean,
    private readonly wallNow: () => number,
  ) {}

  /** A structured event; in human mode `human` (if given) is printed on stderr. */
  event(type: string, data: Record<string, unknown>, human?: string): void {
    if (this.json) this.out.stdout(`${JSON.stringify({ type, at: new Date().toISOString(), ...data })}\n`);
    else if (human !== undefined) {
      this.clearLine();
      this.out.stderr(`${human}\n`);
    }
  }

  /** Lines for people (the plan, the reconciliation): stdout in human mode, nothing in JSON mode. */
  text(lines: readonly string[]): void {
    if (this.json) return;
    this.clearLine();
    this.out.stdout(`${lines.join('\n')}\n`);
  }

  /** A progress line (`type` names the JSON event: 'progress' while delivering, 'reading' before). */
  progress(data: Record<string, unknown>, line: string, type = 'progress'): void {
    if (this.json) {
      this.event(type, data);
      return;
    }
    if (this.out.isTTY) {
      this.out.stderr(`\r\u001b[2K${line}`);
      this.#line = true;
    } else if (this.wallNow() - this.#lastPlain >= PLAIN_PROGRESS_EVERY_MS) {
      this.#lastPlain = this.wallNow();
      this.out.stderr(`${line}\n`);
    }
  }

  /** Ends the progress line (before other output, and at the end). */
  clearLine(): void {
    if (this.#line) {
      this.out.stderr('\r\u001b[2K');
      this.#line = false;
    }
  }
}
