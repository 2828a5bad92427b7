/**
 * DigiD test users, computed rather than stored (like the population): every valid BSN is a DigiD
 * account whose username is the BSN itself and whose password is the configured test password
 * (default 'bbsim'). The account's highest level of assurance is a seeded hash of the BSN, split by
 * `levelShares` (default Basis 15 %, Midden 60 %, Substantieel 20 %, Hoog 5 %: inferred, not from
 * a source). So the mock, load scenarios and tests agree on who can log in at which level without
 * sharing a table: `userLevel()` answers for one BSN, `testUsers()` lists population members of a level.
 */
import { hash32 } from '../../random/index.ts';
import { isValidBsn, type Population } from '../../population/index.ts';
import { LEVELS, type Level } from './levels.ts';

export type LevelShares = Readonly<Record<Level, number>>;

const SALT_LEVEL = 0x44494749; // 'DIGI'
const TWO32 = 0x1_0000_0000;

/** The highest level of assurance of the account with this BSN; undefined when the BSN is not valid (no account). */
export function userLevel(bsn: string, seed: number, shares: LevelShares): Level | undefined {
  if (!isValidBsn(bsn)) return undefined;
  const u = hash32(bsn, (seed ^ SALT_LEVEL) | 0) / TWO32;
  let acc = 0;
  for (const l of LEVELS) {
    acc += shares[l];
    if (u < acc) return l;
  }
  // Rounding left a sliver above the last cumulative share: give it to the highest level with a share.
  return [...LEVELS].reverse().find((l) => shares[l] > 0) ?? 'Basis';
}

export interface TestUser {
  readonly username: string;
  readonly bsn: string;
  /** Highest level of assurance; the user can log in at this level and every level below. */
  readonly level: Level;
  /** Population index of the BSN. */
  readonly index: number;
}

export interface TestUsersPage {
  readonly users: TestUser[];
  /** False when the scan limit was reached before n users were found (a tiny share). */
  readonly complete: boolean;
}

/** Most population members scanned for one page (keeps a request for a rare level bounded). */
export const TEST_USER_SCAN_LIMIT = 2_500_000;

/**
 * The first `n` population members (in population order, skipping the first `offset` matches) whose
 * highest level is `level` (or any level when absent). Deterministic for a seed.
 */
export function testUsers(
  population: Population,
  seed: number,
  shares: LevelShares,
  opts: { level?: Level; n: number; offset?: number },
): TestUsersPage {
  const { level, n } = opts;
  const offset = opts.offset ?? 0;
  const users: TestUser[] = [];
  if (n <= 0 || (level !== undefined && shares[level] === 0)) return { users, complete: n <= 0 };
  let skipped = 0;
  const end = Math.min(population.size, TEST_USER_SCAN_LIMIT);
  for (let i = 0; i < end; i++) {
    const bsn = population.bsn(i);
    const l = userLevel(bsn, seed, shares);
    if (l === undefined || (level !== undefined && l !== level)) continue;
    if (skipped < offset) {
      skipped++;
      continue;
    }
    users.push({ username: bsn, bsn, level: l, index: i });
    if (users.length === n) return { users, complete: true };
  }
  return { users, complete: false };
}
