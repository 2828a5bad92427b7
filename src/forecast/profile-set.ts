import type { Forecast, ProfileService } from './forecast-types.ts';
import { DEFAULT_SHAPES, DEFAULT_SHAPE_OF } from './default-shapes.ts';
import type { LoadShape, Period } from './load-shape.ts';
import { IssueList } from './input-error.ts';

/** A profile from a user's file; parts it leaves out come from the shipped profile of the service it is used for. */
export interface UserProfile {
  readonly name: string;
  readonly title?: string;
  readonly hourly?: readonly number[];
  readonly weekly?: readonly number[];
  readonly periods?: readonly Period[];
}

/** "Use this profile for this afnemer and/or service." The most specific assignment wins. */
export interface Assignment {
  readonly afnemer?: string;
  readonly service?: ProfileService;
  readonly profile: string;
  readonly line: number;
  readonly column: number;
}

export interface ProfileSet {
  readonly file: string;
  readonly profiles: ReadonlyMap<string, UserProfile>;
  readonly assignments: readonly Assignment[];
}

export const NO_PROFILES: ProfileSet = Object.freeze({
  file: '(shipped profiles)',
  profiles: new Map(),
  assignments: [],
});

/**
 * Resolves the load shape of (afnemer, service): afnemer+service assignment, else afnemer, else
 * service, else the shipped default. Shapes are cached so equal shapes group together.
 */
export class ShapeResolver {
  readonly #cache = new Map<string, LoadShape>();
  readonly #byKey = new Map<string, string>();
  readonly #assigned = new Set<string>();
  readonly #unassigned = new Map<ProfileService, LoadShape>();
  readonly #byAfnemer = new Map<string, Map<ProfileService, LoadShape>>();

  constructor(readonly set: ProfileSet) {
    for (const a of set.assignments) {
      this.#byKey.set(`${a.afnemer ?? '*'}/${a.service ?? '*'}`, a.profile);
      if (a.afnemer !== undefined) this.#assigned.add(a.afnemer);
    }
  }

  /** Which profile name applies. */
  profileName(oin: string, service: ProfileService): string {
    return (
      this.#byKey.get(`${oin}/${service}`) ??
      this.#byKey.get(`${oin}/*`) ??
      this.#byKey.get(`*/${service}`) ??
      DEFAULT_SHAPE_OF[service]
    );
  }

  shape(oin: string, service: ProfileService): LoadShape {
    // Resolved once per (afnemer, service): spreading, attribution and duties ask per row, and
    // building the lookup keys each time cost ~0.1 s for 18 months × 4,000 afnemers. Most afnemers
    // have no assignment of their own and share one answer per service.
    const own = this.#assigned.has(oin);
    let mine = own ? this.#byAfnemer.get(oin) : this.#unassigned;
    if (!mine) this.#byAfnemer.set(oin, (mine = new Map()));
    let s = mine.get(service);
    if (!s) {
      s = this.#resolve(
        own ? this.profileName(oin, service) : (this.#byKey.get(`*/${service}`) ?? DEFAULT_SHAPE_OF[service]),
        service,
      );
      mine.set(service, s);
    }
    return s;
  }

  #resolve(name: string, service: ProfileService): LoadShape {
    const user = this.set.profiles.get(name);
    const key = user ? `${name}/${service}` : name;
    let s = this.#cache.get(key);
    if (!s) {
      s = user ? mergeWithDefault(user, service) : DEFAULT_SHAPES[name]!;
      this.#cache.set(key, s);
    }
    return s;
  }

  /** Every assignment must name an afnemer of the forecast: an assignment that matches nothing is a mistake. */
  checkAgainst(forecast: Forecast): void {
    const issues = new IssueList();
    const oins = new Set(forecast.afnemers.map((a) => a.oin));
    for (const a of this.set.assignments) {
      if (a.afnemer !== undefined && !oins.has(a.afnemer)) {
        issues.add(
          this.set.file,
          a.line,
          a.column,
          `assign: afnemer ${a.afnemer} is not in the forecast ${forecast.file} (check the OIN)`,
        );
      }
    }
    issues.throwIfAny();
  }
}

function mergeWithDefault(user: UserProfile, service: ProfileService): LoadShape {
  const base = DEFAULT_SHAPES[DEFAULT_SHAPE_OF[service]]!;
  const inherits = user.hourly === undefined || user.weekly === undefined || user.periods === undefined;
  return Object.freeze({
    id: inherits ? `${user.name}/${service}` : user.name,
    title: user.title ?? `user profile ${user.name}`,
    hourly: user.hourly ?? base.hourly,
    weekly: user.weekly ?? base.weekly,
    periods: user.periods ?? base.periods,
  });
}
