import type { Service } from '../norms/index.ts';

/**
 * Which simulated service a request path belongs to, for maintenance windows, fault injection and
 * availability. The first matching prefix wins.
 */
export const SERVICE_PREFIXES: readonly (readonly [prefix: string, service: Service])[] = [
  ['/digid', 'digid'],
  ['/machtigen', 'digid-machtigen'],
  ['/validatieservice', 'validatieservice'],
  ['/abonnementservice', 'abonnementservice'],
  ['/berichtenbox/portaal', 'berichtenbox-intake'],
  ['/berichtenbox', 'berichtenbox-intake'],
  // The burger's inbox is the MijnOverheid portal's presentation API.
  ['/api/v1', 'presentatie'],
];

/** Operational endpoints of a service (its stats, test users, metadata) stay up in maintenance and faults. */
const OPS_ENDPOINT = /\/(stats|test-users|metadata)(\?|$)/;

export function serviceOfPath(path: string): Service | undefined {
  if (OPS_ENDPOINT.test(path)) return undefined;
  for (const [prefix, service] of SERVICE_PREFIXES) {
    if (
      path === prefix ||
      path.startsWith(`${prefix}/`) ||
      path.startsWith(`${prefix}?`) ||
      path.startsWith(`${prefix}.`)
    )
      return service;
  }
  return undefined;
}

/** Services whose maintenance windows a maintenance rule's service stands for (the portal's windows close the inbox). */
export function servicesOfRule(service: Service): readonly Service[] {
  return service === 'mijnoverheid' ? ['presentatie'] : [service];
}

export const SIMULATED_SERVICES = [
  'digid',
  'digid-machtigen',
  'berichtenbox-intake',
  'presentatie',
  'validatieservice',
  'abonnementservice',
] as const satisfies readonly Service[];
