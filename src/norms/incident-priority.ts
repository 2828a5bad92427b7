import type { Citation, Service } from './types.ts';
import { SEED_DIGID_V3, SEED_MACHTIGEN, SEED_MIJNOVERHEID } from './catalogue.ts';

export type Level = 'hoog' | 'midden' | 'laag';
export type Priority = 1 | 2 | 3;

/**
 * The SNO priority matrix, identical in the three documents: urgency (rows) × impact (columns).
 * [urgency][impact] → priority.
 */
export const PRIORITY_MATRIX: Readonly<Record<Level, Readonly<Record<Level, Priority>>>> = Object.freeze({
  hoog: Object.freeze({ hoog: 1, midden: 2, laag: 3 }),
  midden: Object.freeze({ hoog: 2, midden: 3, laag: 3 }),
  laag: Object.freeze({ hoog: 3, midden: 3, laag: 3 }),
});

export function incidentPriority(urgency: Level, impact: Level): Priority {
  return PRIORITY_MATRIX[urgency][impact];
}

export interface ResolutionTime {
  readonly service: Service;
  readonly priority: Priority;
  /** Hours to resolve; 'klok' = clock hours (24×7), 'kantoor' = office hours (working days 08:00-17:00). */
  readonly hours: number;
  readonly hourKind: 'klok' | 'kantoor';
  /** Share of incidents per month that must be resolved within this time. */
  readonly attainment: number;
  readonly citation: Citation;
}

const rt = (r: ResolutionTime): ResolutionTime => Object.freeze(r);

export const RESOLUTION_TIMES: readonly ResolutionTime[] = Object.freeze([
  rt({
    service: 'digid',
    priority: 1,
    hours: 6,
    hourKind: 'klok',
    attainment: 85,
    citation: {
      doc: SEED_DIGID_V3,
      section: 'Oplostijden',
      quote: '| Prio 1 (P1) – Hoog | 6 uur (klokuren) |',
      figure: '6',
    },
  }),
  rt({
    service: 'digid',
    priority: 2,
    hours: 10,
    hourKind: 'kantoor',
    attainment: 85,
    citation: {
      doc: SEED_DIGID_V3,
      section: 'Oplostijden',
      quote: '| Prio 2 (P2) – Midden | 10 uur (kantooruren) |',
      figure: '10',
    },
  }),
  rt({
    service: 'digid',
    priority: 3,
    hours: 18,
    hourKind: 'kantoor',
    attainment: 85,
    citation: {
      doc: SEED_DIGID_V3,
      section: 'Oplostijden',
      quote: '| Prio 3 (P3) – Laag | 18 uur (kantooruren) |',
      figure: '18',
    },
  }),
  rt({
    service: 'digid-machtigen',
    priority: 1,
    hours: 6,
    hourKind: 'klok',
    attainment: 85,
    citation: {
      doc: SEED_MACHTIGEN,
      section: 'Oplostijden',
      quote: 'Prio 1 (P1) – Hoog 6 uur (klokuren)',
      figure: '6',
    },
  }),
  rt({
    service: 'digid-machtigen',
    priority: 2,
    hours: 10,
    hourKind: 'kantoor',
    attainment: 85,
    citation: {
      doc: SEED_MACHTIGEN,
      section: 'Oplostijden',
      quote: 'Prio 2 (P2) – Midden 10 uur (kantooruren)',
      figure: '10',
    },
  }),
  rt({
    service: 'digid-machtigen',
    priority: 3,
    hours: 18,
    hourKind: 'kantoor',
    attainment: 85,
    citation: {
      doc: SEED_MACHTIGEN,
      section: 'Oplostijden',
      quote: 'Prio 3 (P3) – Laag 18 uur (kantooruren)',
      figure: '18',
    },
  }),
  rt({
    service: 'mijnoverheid',
    priority: 1,
    hours: 6,
    hourKind: 'klok',
    attainment: 85,
    citation: {
      doc: SEED_MIJNOVERHEID,
      section: '2.1.4 Servicevenster Afnemers',
      quote: 'Prio 1 - Hoog* ≤ 6 klokuren',
      figure: '6',
    },
  }),
  rt({
    service: 'mijnoverheid',
    priority: 2,
    hours: 20,
    hourKind: 'kantoor',
    attainment: 85,
    citation: {
      doc: SEED_MIJNOVERHEID,
      section: '2.1.4 Servicevenster Afnemers',
      quote: 'Prio 2 - Midden ≤ 20 kantooruren',
      figure: '20',
    },
  }),
  rt({
    service: 'mijnoverheid',
    priority: 3,
    hours: 30,
    hourKind: 'kantoor',
    attainment: 85,
    citation: {
      doc: SEED_MIJNOVERHEID,
      section: '2.1.4 Servicevenster Afnemers',
      quote: 'Prio 3 - Laag ≤ 30 kantooruren',
      figure: '30',
    },
  }),
]);

/** The service family whose resolution table applies (Berichtenbox services use MijnOverheid's). */
function table(service: Service): Service {
  if (service === 'digid' || service === 'digid-machtigen') return service;
  return 'mijnoverheid';
}

export function resolutionTime(service: Service, priority: Priority): ResolutionTime {
  const found = RESOLUTION_TIMES.find((r) => r.service === table(service) && r.priority === priority);
  if (!found) throw new RangeError(`no resolution time for ${service} P${priority}`);
  return found;
}
