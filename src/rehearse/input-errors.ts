import { formatInputError, type InputError } from './input-types.ts';

/** Collects input problems: all are counted, the first `keep` are kept for the report. */
export class InputErrors {
  readonly items: InputError[] = [];
  total = 0;

  constructor(private readonly keep = 50) {}

  push(e: InputError): void {
    this.total++;
    if (this.items.length < this.keep) this.items.push(e);
  }

  get any(): boolean {
    return this.total > 0;
  }

  /** One line per kept problem, and how many more there were. */
  lines(): string[] {
    const out = this.items.map(formatInputError);
    if (this.total > this.items.length) out.push(`… and ${this.total - this.items.length} more problems`);
    return out;
  }
}
