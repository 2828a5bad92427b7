import { verdictRows, type ServerFigures, type VerdictRow } from '../run/verdict.ts';
import { requestsByService } from '../run/error-budget.ts';
import type { NativeEngine } from './engine.ts';
import type { EngineResult } from './engine-events.ts';

export interface VerdictPrinterOptions {
  /** The norms to judge (scenario.norms). */
  readonly normIds: readonly string[];
  /** The target's own figures, read after the run (the runner's serverFigures); absent: none. */
  readonly server?: () => Promise<ServerFigures>;
  /** Rows → text (the runner's verdictTable); default one line per norm. */
  readonly format?: (rows: readonly VerdictRow[]) => string;
  readonly log: (line: string) => void;
}

function oneLinePerNorm(rows: readonly VerdictRow[]): string {
  return rows.map((r) => `${r.status === 'pass' ? 'PASS' : r.status === 'fail' ? 'FAIL' : 'n/a '}  ${r.normId}  limit ${r.limit} ${r.unit}, measured ${r.measured === undefined ? '—' : r.measured.toFixed(2)}`).join('\n');
}

/**
 * Prints the verdict (src/run/verdict.ts, unchanged) when the engine finishes. `printed()`
 * resolves once it has been printed (the server's figures are fetched first) with the rows.
 */
export function verdictPrinter(engine: NativeEngine, o: VerdictPrinterOptions): { printed(): Promise<readonly VerdictRow[]>; off(): void } {
  let resolve: (rows: readonly VerdictRow[]) => void = () => undefined;
  let reject: (err: unknown) => void = () => undefined;
  const done = new Promise<readonly VerdictRow[]>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const onFinished = (r: EngineResult): void => {
    void (async () => {
      try {
        const server = o.server ? await o.server() : {};
        const rows = verdictRows(o.normIds, r.k6, server, requestsByService(r.timeline));
        for (const l of (o.format ?? oneLinePerNorm)(rows).split('\n')) o.log(l);
        resolve(rows);
      } catch (err) {
        reject(err);
      }
    })();
  };
  engine.once('finished', onFinished);
  return { printed: () => done, off: () => engine.off('finished', onFinished) };
}
