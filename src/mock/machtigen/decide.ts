/**
 * Who may act for whom, in the synthetic population: a pure, seeded function, so the mock, load
 * generators and tests agree without a table. For a triple (vertegenwoordiger, vertegenwoordigde,
 * dienst), h = hash32("<vertegenwoordiger>|bsn:<bsn>|<dienst>" or "…|kvk:<kvk>|…", seed-derived salt);
 * the representative is authorised when h < authorisedShare · 2^32 (share 1: always, 0: never).
 * The machtigingId is a second hash of the same triple, so asking again gives the same id.
 * The answer does not depend on the optional afnemer, nor on whether the persons have a Berichtenbox.
 */
import { hash32 } from '../../random/index.ts';

export type Vertegenwoordigde = { readonly bsn: string } | { readonly kvk: string };

export interface Decision {
  readonly bevoegd: boolean;
  /** Present when bevoegd. */
  readonly machtigingId?: string;
}

const TWO32 = 0x1_0000_0000;
const SALT_DECIDE = 0x4d414348; // 'MACH'
const SALT_ID = 0x4d494944; // 'MIID'

function hex8(x: number): string {
  return x.toString(16).padStart(8, '0');
}

export function machtigingDecider(
  seed: number,
  authorisedShare: number,
): (vertegenwoordiger: string, vertegenwoordigde: Vertegenwoordigde, dienst: string) => Decision {
  if (!Number.isFinite(authorisedShare) || authorisedShare < 0 || authorisedShare > 1)
    throw new RangeError(`authorisedShare must be in 0..1, got ${authorisedShare}`);
  const base = hash32(String(seed), SALT_DECIDE);
  const idSeed = hash32(String(seed), SALT_ID);
  const threshold = authorisedShare * TWO32;
  return (vertegenwoordiger, vertegenwoordigde, dienst) => {
    const who = 'bsn' in vertegenwoordigde ? `bsn:${vertegenwoordigde.bsn}` : `kvk:${vertegenwoordigde.kvk}`;
    const key = `${vertegenwoordiger}|${who}|${dienst}`;
    if (!(hash32(key, base) < threshold)) return { bevoegd: false };
    return { bevoegd: true, machtigingId: `mtg-${hex8(hash32(key, idSeed))}${hex8(hash32(key, idSeed ^ 0x5a5a5a5a))}` };
  };
}
