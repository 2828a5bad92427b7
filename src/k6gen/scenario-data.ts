import { minimalPdf } from '../berichten/index.ts';
import type { Population } from '../population/index.ts';
import { VALIDATION_BSNS_PER_QUERY } from '../norms/index.ts';
import type { FlowName, Scenario, SubscriptionKind } from '../scenario/index.ts';

export interface DataOptions {
  /** The population the BSNs come from (the runner passes the mock's: src/run/mock-defaults.ts). */
  readonly population: Population;
  /** The afnemer that delivers, and a BerichtType configured for it. */
  readonly afnemer: { readonly oin: string; readonly berichtType: string };
  /** When the BSNs must be recipients (sim instant); absent: the population's base state. */
  readonly at?: number;
}

/** What a flow's iterations need: the same for the k6 script (embedded as DATA) and the native engine. */
export interface ScenarioData {
  readonly oin: string;
  readonly berichtType: string;
  readonly batchSize: number;
  readonly attachmentShare: number;
  /** Base64 PDF of the scenario's attachment size ('' when no letter carries one). */
  readonly pdf: string;
  readonly text: string;
  /** Recipients of the afnemer's letters: BSNs with a box that accept this afnemer. */
  readonly bsns: readonly string[];
  readonly klantenPerQuery: number;
  /** Abonnementservice request kinds and weights. */
  readonly subscriptionMix: Readonly<Partial<Record<SubscriptionKind, number>>>;
  /** Sim ms per flow. */
  readonly thinkTimeMs: Readonly<Partial<Record<FlowName, number>>>;
}

export function scenarioData(scenario: Scenario, opts: DataOptions): ScenarioData {
  const attachmentShare = scenario.data?.attachmentShare ?? 0;
  return {
    oin: opts.afnemer.oin,
    berichtType: opts.afnemer.berichtType,
    batchSize: scenario.data?.batchSize ?? 100,
    attachmentShare,
    pdf: attachmentShare > 0 ? minimalPdf(scenario.data?.attachmentBytes ?? 50_000).toString('base64') : '',
    text: 'Dit is een bericht van de bbsim-belastingtest.\r\nMet vriendelijke groet.',
    bsns: opts.population
      .recipients(opts.afnemer.oin, 1000, 0)
      .filter((b) => opts.population.wantsLettersFrom(b, opts.afnemer.oin, opts.at)),
    klantenPerQuery: VALIDATION_BSNS_PER_QUERY.limit,
    subscriptionMix: scenario.data?.subscriptionMix ?? { 'bsn-lijst': 1 },
    thinkTimeMs: Object.fromEntries(scenario.flows.map((f) => [f.flow, f.thinkTimeMs ?? 0])),
  };
}
