/**
 * The reconciliation at the end: every letter offered is processed or rejected with its code, none
 * is still open (lost) and none was stored twice; and, when the target is the mock, its
 * leveranciersportaal counted for this rehearsal exactly what the verwerkingsberichten said.
 */
import { VERWERKINGS_CODES, type VerwerkingsCode } from '../berichten/index.ts';
import type { LedgerCounts } from './ledger.ts';
import type { PortalTotals } from './portal.ts';

export type PortalCheck =
  | { readonly status: 'skipped'; readonly reason: string }
  | { readonly status: 'matches' | 'differs'; readonly counted: PortalTotals; readonly expected: PortalTotals; readonly mismatches: readonly string[] };

export interface Reconciliation {
  readonly offered: number;
  readonly processed: number;
  /** Of those, answered BerichtBestaatAl for our own earlier attempt (its Verwerkt was not seen). */
  readonly processedViaBestaatAl: number;
  readonly rejected: Partial<Record<VerwerkingsCode, number>>;
  /** Letters of batches refused whole (synchronously, 400), by the code the refusal carried. */
  readonly refused: Partial<Record<VerwerkingsCode, number>>;
  /** Not processed nor rejected: lost, if the run is over. */
  readonly open: number;
  /** Letters answered Verwerkt more than once. */
  readonly duplicates: number;
  /** Answers per code over every verwerkingsbericht (redeliveries included). */
  readonly answers: Partial<Record<VerwerkingsCode, number>>;
  readonly portal: PortalCheck;
  /** offered = processed + rejected + refused, nothing open, nothing twice. */
  readonly balanced: boolean;
  /** Balanced and the portal does not disagree. */
  readonly reconciled: boolean;
}

const sum = (r: Partial<Record<VerwerkingsCode, number>>): number => Object.values(r).reduce((a, b) => a + (b ?? 0), 0);

export function reconcile(counts: LedgerCounts, events: Record<string, number>, portal: { before: PortalTotals; after: PortalTotals } | { skipped: string }): Reconciliation {
  const processed = counts.processedVerwerkt + counts.processedEigenBestaatAl;
  const open = counts.byState.new + counts.byState.sent + counts.byState.retry;
  const answers: Partial<Record<VerwerkingsCode, number>> = {};
  for (const c of VERWERKINGS_CODES) if ((events[c] ?? 0) > 0) answers[c] = events[c] ?? 0;
  const balanced = counts.letters === processed + sum(counts.rejected) + sum(counts.refused) && open === 0 && counts.duplicates === 0;

  let check: PortalCheck;
  if ('skipped' in portal) check = { status: 'skipped', reason: portal.skipped };
  else {
    const counted: PortalTotals = {
      offered: portal.after.offered - portal.before.offered,
      processed: portal.after.processed - portal.before.processed,
      rejected: Object.fromEntries(VERWERKINGS_CODES.filter((c) => c !== 'Verwerkt')
        .map((c) => [c, (portal.after.rejected[c] ?? 0) - (portal.before.rejected[c] ?? 0)] as const).filter(([, n]) => n !== 0)),
    };
    const expected: PortalTotals = {
      offered: events['(letters)'] ?? 0,
      processed: events['Verwerkt'] ?? 0,
      rejected: Object.fromEntries(VERWERKINGS_CODES.filter((c) => c !== 'Verwerkt' && (events[c] ?? 0) > 0).map((c) => [c, events[c] ?? 0] as const)),
    };
    const mismatches: string[] = [];
    if (counted.offered !== expected.offered) mismatches.push(`offered: portal ${counted.offered}, verwerkingsberichten ${expected.offered}`);
    if (counted.processed !== expected.processed) mismatches.push(`processed: portal ${counted.processed}, verwerkingsberichten ${expected.processed}`);
    for (const c of VERWERKINGS_CODES) {
      if (c === 'Verwerkt') continue;
      const a = counted.rejected[c] ?? 0;
      const b = expected.rejected[c] ?? 0;
      if (a !== b) mismatches.push(`${c}: portal ${a}, verwerkingsberichten ${b}`);
    }
    check = { status: mismatches.length === 0 ? 'matches' : 'differs', counted, expected, mismatches };
  }
  return {
    offered: counts.letters, processed, processedViaBestaatAl: counts.processedEigenBestaatAl, rejected: counts.rejected, refused: counts.refused,
    open, duplicates: counts.duplicates, answers, portal: check, balanced, reconciled: balanced && check.status !== 'differs',
  };
}

const fmt = (n: number): string => n.toLocaleString('en-US');

export function formatReconciliation(r: Reconciliation): string[] {
  const codes = (m: Partial<Record<VerwerkingsCode, number>>): string[] =>
    VERWERKINGS_CODES.filter((c) => (m[c] ?? 0) > 0).map((c) => `      ${c.padEnd(40)} ${fmt(m[c] ?? 0).padStart(10)}`);
  const lines = [
    `Reconciliation: ${r.reconciled ? 'RECONCILED' : 'NOT RECONCILED'}`,
    `  offered     ${fmt(r.offered).padStart(10)}`,
    `  processed   ${fmt(r.processed).padStart(10)}${r.processedViaBestaatAl > 0 ? `  (${fmt(r.processedViaBestaatAl)} of them answered BerichtBestaatAl to our own redelivery)` : ''}`,
    `  rejected    ${fmt(sum(r.rejected)).padStart(10)}`,
    ...codes(r.rejected),
  ];
  if (sum(r.refused) > 0) lines.push(`  refused     ${fmt(sum(r.refused)).padStart(10)}  (batches refused whole, not in the portal)`, ...codes(r.refused));
  lines.push(
    `  open (lost) ${fmt(r.open).padStart(10)}`,
    `  stored twice${fmt(r.duplicates).padStart(10)}`,
    `  ${r.balanced ? 'balanced' : 'NOT balanced'}: offered ${r.balanced ? '=' : '≠'} processed + rejected${sum(r.refused) > 0 ? ' + refused' : ''}; nothing lost, nothing stored twice${r.balanced ? '' : ' (see above)'}`,
  );
  if (r.portal.status === 'skipped') lines.push(`  leveranciersportaal: not checked (${r.portal.reason})`);
  else if (r.portal.status === 'matches') lines.push(`  leveranciersportaal: matches (offered ${fmt(r.portal.counted.offered)} incl. redeliveries, processed ${fmt(r.portal.counted.processed)}, rejected per code as the verwerkingsberichten)`);
  else lines.push('  leveranciersportaal: DIFFERS', ...r.portal.mismatches.map((m) => `      ${m}`));
  return lines;
}
