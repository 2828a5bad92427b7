/**
 * The reconciliation at the end: every letter offered is processed or rejected with its code, none
 * is still open (lost) and none was stored twice; and, when the target is the mock, its
 * leveranciersportaal counted for this rehearsal exactly what the verwerkingsberichten said.
 */
import { VERWERKINGS_CODES, type VerwerkingsCode } from '../berichten/index.ts';
import type { DeliveryFigures, LedgerCounts } from './ledger.ts';
import type { PortalTotals } from './portal.ts';

export type PortalCheck =
  | { readonly status: 'skipped'; readonly reason: string }
  | {
      readonly status: 'matches' | 'differs';
      readonly counted: PortalTotals;
      readonly expected: PortalTotals;
      readonly mismatches: readonly string[];
    };

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
  /** Requests and batches, each counted once (see DeliveryFigures). */
  readonly delivery: DeliveryFigures;
  /** Input problems set aside before sending (--quarantine): not letters of this count. */
  readonly quarantined: { readonly problems: number; readonly files: readonly string[] };
  /** offered = processed + rejected + refused, nothing open, nothing twice. */
  readonly balanced: boolean;
  /** Balanced and the portal does not disagree. */
  readonly reconciled: boolean;
}

const sum = (r: Partial<Record<VerwerkingsCode, number>>): number => Object.values(r).reduce((a, b) => a + (b ?? 0), 0);

export function reconcile(
  counts: LedgerCounts,
  events: Record<string, number>,
  portal: { before: PortalTotals; after: PortalTotals } | { skipped: string },
  delivery: DeliveryFigures,
  quarantined: { readonly problems: number; readonly files: readonly string[] } = { problems: 0, files: [] },
): Reconciliation {
  const processed = counts.processedVerwerkt + counts.processedEigenBestaatAl;
  const open = counts.byState.new + counts.byState.sent + counts.byState.retry;
  const answers: Partial<Record<VerwerkingsCode, number>> = {};
  for (const c of VERWERKINGS_CODES) if ((events[c] ?? 0) > 0) answers[c] = events[c] ?? 0;
  const balanced =
    counts.letters === processed + sum(counts.rejected) + sum(counts.refused) && open === 0 && counts.duplicates === 0;

  let check: PortalCheck;
  if ('skipped' in portal) check = { status: 'skipped', reason: portal.skipped };
  else {
    const counted: PortalTotals = {
      offered: portal.after.offered - portal.before.offered,
      processed: portal.after.processed - portal.before.processed,
      rejected: Object.fromEntries(
        VERWERKINGS_CODES.filter((c) => c !== 'Verwerkt')
          .map((c) => [c, (portal.after.rejected[c] ?? 0) - (portal.before.rejected[c] ?? 0)] as const)
          .filter(([, n]) => n !== 0),
      ),
    };
    const expected: PortalTotals = {
      offered: events['(letters)'] ?? 0,
      processed: events['Verwerkt'] ?? 0,
      rejected: Object.fromEntries(
        VERWERKINGS_CODES.filter((c) => c !== 'Verwerkt' && (events[c] ?? 0) > 0).map(
          (c) => [c, events[c] ?? 0] as const,
        ),
      ),
    };
    const mismatches: string[] = [];
    if (counted.offered !== expected.offered)
      mismatches.push(`offered: portal ${counted.offered}, verwerkingsberichten ${expected.offered}`);
    if (counted.processed !== expected.processed)
      mismatches.push(`processed: portal ${counted.processed}, verwerkingsberichten ${expected.processed}`);
    for (const c of VERWERKINGS_CODES) {
      if (c === 'Verwerkt') continue;
      const a = counted.rejected[c] ?? 0;
      const b = expected.rejected[c] ?? 0;
      if (a !== b) mismatches.push(`${c}: portal ${a}, verwerkingsberichten ${b}`);
    }
    check = { status: mismatches.length === 0 ? 'matches' : 'differs', counted, expected, mismatches };
  }
  return {
    offered: counts.letters,
    processed,
    processedViaBestaatAl: counts.processedEigenBestaatAl,
    rejected: counts.rejected,
    refused: counts.refused,
    open,
    duplicates: counts.duplicates,
    answers,
    portal: check,
    delivery,
    quarantined,
    balanced,
    reconciled: balanced && check.status !== 'differs',
  };
}

const fmt = (n: number): string => n.toLocaleString('en-US');

const plural = (n: number, one: string, many = `${one}s`): string => `${fmt(n)} ${n === 1 ? one : many}`;

/**
 * The reconciliation as text. Three counts, each a sum that adds up, each figure explained once:
 * the letters (every letter of the input in exactly one final state, or open), the batches
 * (whether the target holds them) and the requests (what became of each POST).
 */
export function formatReconciliation(r: Reconciliation): string[] {
  const codes = (m: Partial<Record<VerwerkingsCode, number>>): string[] =>
    VERWERKINGS_CODES.filter((c) => (m[c] ?? 0) > 0).map((c) => `      ${c.padEnd(46)} ${fmt(m[c] ?? 0).padStart(10)}`);
  const row = (label: string, n: number, why = ''): string =>
    `    ${label.padEnd(48)} ${fmt(n).padStart(10)}${why ? `  ${why}` : ''}`;
  const refused = sum(r.refused);
  const d = r.delivery;
  const lines = [
    `Reconciliation: ${r.reconciled ? 'RECONCILED' : 'NOT RECONCILED'}`,
    `  letters  ${fmt(r.offered).padStart(10)}  in the input, each in exactly one of:`,
    row(
      "processed (in the burger's Berichtenbox)",
      r.processed,
      r.processedViaBestaatAl > 0
        ? `(${fmt(r.processedViaBestaatAl)} answered BerichtBestaatAl to our own redelivery: stored by an earlier attempt)`
        : '',
    ),
    row('rejected by the service, per code', sum(r.rejected), sum(r.rejected) > 0 ? '(in the reject file)' : ''),
    ...codes(r.rejected),
  ];
  if (refused > 0)
    lines.push(
      row('refused with their whole batch (400)', refused, '(in the reject file; the portal does not count them)'),
      ...codes(r.refused),
    );
  lines.push(
    row('open: no final answer (lost if the run is over)', r.open),
    `  ${r.balanced ? 'balanced' : 'NOT balanced'}: ${fmt(r.offered)} = ${fmt(r.processed)} + ${fmt(sum(r.rejected))}${refused > 0 ? ` + ${fmt(refused)}` : ''} + ${fmt(r.open)}${r.open > 0 ? ' (open letters are not reconciled)' : ''}; stored twice: ${fmt(r.duplicates)}`,
  );
  if (r.quarantined.problems > 0) {
    lines.push(
      `  set aside:   ${plural(r.quarantined.problems, 'input problem')} before sending${r.quarantined.files.length > 0 ? `, ${plural(r.quarantined.files.length, 'file')} not sent (${r.quarantined.files.slice(0, 5).join(', ')}${r.quarantined.files.length > 5 ? ', …' : ''})` : ''}: not in the counts above`,
    );
  }
  lines.push(
    `  batches  ${fmt(d.batches).padStart(10)} = ${fmt(d.batchesStored)} held by the target + ${fmt(d.batchesRefused)} refused whole + ${fmt(d.batchesNotStored)} not (yet) delivered`,
    `  requests ${fmt(d.requests).padStart(10)} = ${fmt(d.accepted)} accepted + ${fmt(d.busy)} busy + ${fmt(d.unknown)} outcome unknown + ${fmt(d.refused)} refused whole${d.restamped > 0 ? ` + ${fmt(d.restamped)} restamped` : ''}${d.other > 0 ? ` + ${fmt(d.other)} other` : ''}`,
    row('accepted (202) as the first attempt of a batch', d.acceptedFirst),
    row(
      'accepted (202) as a redelivery',
      d.acceptedAgain,
      '(same BatchID and BerichtIDs: after TechnischProbleem, or after an unknown outcome)',
    ),
    row('busy (429/503, no connection)', d.busy, '(nothing stored; offered again after Retry-After)'),
    row(
      'outcome unknown (timeout, 5xx, crash)',
      d.unknown,
      `(offered again; ${fmt(d.unknownStored)} of them were stored by the target after all)`,
    ),
  );
  if (d.restamped > 0)
    lines.push(row("our AanmaakDatum ahead of the target's clock", d.restamped, '(nothing stored; stamped again)'));
  if (d.refused > 0) lines.push(row('refused whole (400/413)', d.refused));
  if (r.portal.status === 'skipped') lines.push(`  leveranciersportaal: not checked (${r.portal.reason})`);
  else if (r.portal.status === 'matches')
    lines.push(
      `  leveranciersportaal: matches — it counts every answer of every attempt: ${fmt(r.portal.counted.offered)} letters offered, ${fmt(r.portal.counted.processed)} processed, rejected per code as the verwerkingsberichten`,
    );
  else lines.push('  leveranciersportaal: DIFFERS', ...r.portal.mismatches.map((m) => `      ${m}`));
  return lines;
}
