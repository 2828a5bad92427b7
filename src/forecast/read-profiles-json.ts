import { z } from 'zod';
import { OIN_DIGITS } from '../norms/index.ts';
import { PROFILE_SERVICES, type ProfileService } from './forecast-types.ts';
import { DEFAULT_SHAPES } from './default-shapes.ts';
import { IssueList } from './input-error.ts';
import { JsonSyntaxError, parseJsonWithPositions, pathText, positionOf, type JsonPath } from './json-with-positions.ts';
import type { Assignment, ProfileSet, UserProfile } from './profile-set.ts';
import { inPeriod, type Period } from './load-shape.ts';
import { HOURS_PER_DAY } from './horizon.ts';

const MONTH_DAY = /^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const weights = (n: number, what: string) =>
  z
    .array(z.number().min(0, 'a weight is >= 0'), { error: `${n} ${what} weights (numbers >= 0)` })
    .length(n, `exactly ${n} ${what} weights`)
    .refine((a) => a.some((x) => x > 0), 'at least one weight must be > 0');

const monthDay = z
  .string()
  .regex(MONTH_DAY, "a day of the year as 'MM-DD'")
  .refine((s) => Number(s.slice(3)) <= DAYS_IN_MONTH[Number(s.slice(0, 2)) - 1]!, 'no such day');

const periodSchema = z.strictObject({
  from: monthDay,
  to: monthDay,
  factor: z.number().min(0, 'factor is >= 0 (0 leaves the days out)'),
  hourly: weights(HOURS_PER_DAY, 'hourly').optional(),
});

const profileSchema = z.strictObject({
  title: z.string().optional(),
  hourly: weights(HOURS_PER_DAY, 'hourly (hour 0 = 00:00-01:00 local)').optional(),
  weekly: weights(7, 'weekly (Monday first)').optional(),
  periods: z.array(periodSchema).optional(),
});

const assignSchema = z
  .strictObject({
    afnemer: z
      .string()
      .regex(new RegExp(`^\\d{${OIN_DIGITS.max}}$`), `an OIN of ${OIN_DIGITS.max} digits`)
      .optional(),
    service: z.enum(PROFILE_SERVICES, { error: `one of ${PROFILE_SERVICES.join(', ')}` }).optional(),
    profile: z.string({ error: 'the name of a profile' }),
  })
  .refine((a) => a.afnemer !== undefined || a.service !== undefined, 'give an afnemer, a service or both');

const fileSchema = z.strictObject({
  profiles: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'profile names are kebab-case'), profileSchema)
    .optional(),
  assign: z.array(assignSchema).optional(),
});

/**
 * Reads a user profile file (JSON; format in the README). Every problem is reported with file,
 * line, column and rule.
 */
export function readProfilesJson(text: string, file: string): ProfileSet {
  const issues = new IssueList();
  let doc;
  try {
    doc = parseJsonWithPositions(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      issues.add(file, err.line, err.column, `JSON syntax: ${err.message}`);
      issues.throwIfAny();
    }
    throw err;
  }
  const at = (path: JsonPath, message: string): void => {
    const p = positionOf(doc, path);
    issues.add(file, p.line, p.column, `${pathText(path)}: ${message}`);
  };
  const parsed = fileSchema.safeParse(doc.value);
  if (!parsed.success) {
    for (const i of parsed.error.issues)
      at(
        i.path.map((p) => (typeof p === 'number' ? p : String(p))),
        i.message,
      );
    issues.throwIfAny();
    throw new Error('unreachable');
  }
  const data = parsed.data;
  const profiles = new Map<string, UserProfile>();
  for (const [name, p] of Object.entries(data.profiles ?? {})) {
    if (DEFAULT_SHAPES[name]) {
      at(
        ['profiles', name],
        `'${name}' is the name of a shipped profile; choose another name (shipped: ${Object.keys(DEFAULT_SHAPES).join(', ')})`,
      );
      continue;
    }
    const periods = p.periods as readonly Period[] | undefined;
    (periods ?? []).forEach((a, i) => {
      for (let j = 0; j < i; j++) {
        const b = periods![j]!;
        if (overlaps(a, b))
          at(
            ['profiles', name, 'periods', i],
            `overlaps periods[${j}] (${b.from}..${b.to}); periods of a profile must not overlap`,
          );
      }
    });
    profiles.set(name, {
      name,
      ...(p.title !== undefined ? { title: p.title } : {}),
      ...(p.hourly !== undefined ? { hourly: p.hourly } : {}),
      ...(p.weekly !== undefined ? { weekly: p.weekly } : {}),
      ...(periods !== undefined ? { periods } : {}),
    });
  }
  const assignments: Assignment[] = [];
  const seen = new Map<string, number>();
  (data.assign ?? []).forEach((a, i) => {
    const pos = positionOf(doc, ['assign', i]);
    if (!profiles.has(a.profile) && !DEFAULT_SHAPES[a.profile]) {
      at(
        ['assign', i, 'profile'],
        `no profile '${a.profile}' in this file or among the shipped ones (${Object.keys(DEFAULT_SHAPES).join(', ')})`,
      );
      return;
    }
    const key = `${a.afnemer ?? '*'}/${a.service ?? '*'}`;
    const dup = seen.get(key);
    if (dup !== undefined) {
      at(
        ['assign', i],
        `assigns ${a.afnemer ?? 'every afnemer'} / ${a.service ?? 'every service'} again (assign[${dup}] already does)`,
      );
      return;
    }
    seen.set(key, i);
    assignments.push({
      ...(a.afnemer !== undefined ? { afnemer: a.afnemer } : {}),
      ...(a.service !== undefined ? { service: a.service as ProfileService } : {}),
      profile: a.profile,
      line: pos.line,
      column: pos.column,
    });
  });
  issues.throwIfAny();
  return { file, profiles, assignments };
}

/** Two periods overlap when some day of a (leap) year lies in both. */
function overlaps(a: Period, b: Period): boolean {
  for (let m = 1; m <= 12; m++) {
    for (let d = 1; d <= DAYS_IN_MONTH[m - 1]!; d++) {
      const md = `${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
      if (inPeriod(a, md) && inPeriod(b, md)) return true;
    }
  }
  return false;
}
