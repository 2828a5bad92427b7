import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  ForecastInputError,
  formatIssue,
  readForecastCsv,
  readProfilesJson,
  runForecast,
} from '../src/forecast/index.ts';
import { BD, HEADER, UWV, csv, forecastOf, onlyHours, profilesOf } from './helpers/forecast-fixtures.ts';

const ROOT = resolve(import.meta.dirname, '..');
const run = promisify(execFile);

/** The problems a read reports, as 'file:line:column: message'. */
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ForecastInputError) return err.issues.map(formatIssue);
    throw err;
  }
  throw new Error('expected bad input to be refused');
}

describe('a forecast CSV with bad rows', () => {
  it('names the file, line, column and rule of every bad value, and drops nothing silently', () => {
    const text = [
      HEADER,
      '2027-13,00000001003214345000,Belastingdienst,100,10,50,0,0,0,0,0,0',
      '2027-01,1234,UWV,100,10,50,0,0,0,0,0,0',
      '2027-01,00000001003214345000,Belastingdienst,1.5,10,0,0,0,0,0,0,0',
      '2027-01,00000001003214345000,Belastingdienst,100,120,0,0,0,0,0,0,0',
      '2027-01,00000001005401014000,UWV,100,10,150,0,0,0,0,0,0',
      '2027-01,00000001005401014000,UWV,100,10,50,0,0,0,0,0',
      '2027-01,00000001002220647000,SVB,,10,0,0,0,0,0,0,0',
      '2027-01,00000001801469000000,RDW,100,10,50,0,0,0,0,0,0',
      '2027-01,00000001801469000000,RDW Dienst,100,10,50,0,0,0,0,0,0',
      '2027-01,00000001801469000000,RDW,5,10,0,0,0,0,0,0,0',
    ].join('\n');
    expect(problems(() => readForecastCsv(text, 'fc.csv', { kind: 'forecast' }))).toEqual([
      "fc.csv:2:1: column 'month': '2027-13' is not a month YYYY-MM",
      "fc.csv:3:9: column 'afnemer_oin': '1234' is not an OIN of 20 digits",
      "fc.csv:4:46: column 'messages': '1.5' is not a whole number >= 0 (digits only, no separators or decimals)",
      "fc.csv:5:50: column 'attachment_share_pct': '120' is not a percentage from 0 to 100 (decimal point)",
      "fc.csv:6:41: column 'notifications': 150 notifications for 100 letters: a letter gives at most one notification",
      "fc.csv:7:53: 11 fields, the header has 12 (separator ','; quote a value that contains it)",
      "fc.csv:8:34: column 'messages': empty: write 0 when there is nothing",
      "fc.csv:10:30: column 'afnemer_naam': 'RDW Dienst' differs from 'RDW' on line 9 for the same OIN 00000001801469000000",
      "fc.csv:11:9: column 'afnemer_oin': a second row for 00000001801469000000 in 2027-01 (the first is on line 9); give one row per afnemer per month",
    ]);
  });

  it('checks the header: unknown, doubled and missing columns', () => {
    const header = HEADER.replace('messages,', 'mesages,').replace(
      'validation_queries',
      'validation_queries,validation_queries',
    );
    expect(problems(() => readForecastCsv(`${header}\n`, 'h.csv', { kind: 'forecast' }))).toEqual([
      `h.csv:1:32: unknown column 'mesages': the columns are month, afnemer_oin, afnemer_naam, messages, attachment_share_pct, notifications, digid_authentications, machtigen_transactions, validation_queries, subscriptions_alles, subscriptions_bsn_lijst, subscriptions_mutatiebasis`,
      `h.csv:1:${header.lastIndexOf('validation_queries') + 1}: column 'validation_queries' appears twice`,
      'h.csv:1:1: missing column: messages (every column is required; write 0 where there is nothing)',
    ]);
    expect(problems(() => readForecastCsv('', 'e.csv', { kind: 'forecast' }))[0]).toMatch(
      /^e\.csv:1:1: empty file: the first line must name the columns: month,afnemer_oin,/,
    );
    expect(problems(() => readForecastCsv(`${HEADER}\n`, 'n.csv', { kind: 'forecast' }))).toEqual([
      'n.csv:2:1: no data rows after the header',
    ]);
  });

  it('refuses a hole in the horizon rather than reading it as zero', () => {
    expect(
      problems(() =>
        forecastOf(
          [
            { month: '2027-01', ...BD },
            { month: '2027-02', ...UWV },
            { month: '2027-03', ...BD },
            { month: '2027-03', ...UWV },
          ],
          'gap.csv',
        ),
      ),
    ).toEqual([
      'gap.csv:2:1: afnemer 00000001003214345000 (Belastingdienst) has no row for 2027-02: every afnemer needs a row for every month from 2027-01 to 2027-03 (write zeros)',
      'gap.csv:3:1: afnemer 00000001005401014000 (UWV) has no row for 2027-01: every afnemer needs a row for every month from 2027-01 to 2027-03 (write zeros)',
    ]);
  });

  it('reports a month nobody has a row for once, with the month, at the first row after the hole', () => {
    const rows = [BD, UWV, { oin: '00000001002220647000', naam: 'SVB' }].flatMap((a) => [
      { month: '2027-01', ...a },
      { month: '2027-03', ...a },
    ]);
    // Lines: 2 BD 01, 3 BD 03, 4 UWV 01, 5 UWV 03, 6 SVB 01, 7 SVB 03.
    expect(problems(() => forecastOf(rows, 'hole.csv'))).toEqual([
      'hole.csv:3: no rows for 2027-02 at all: the horizon 2027-01 to 2027-03 must be contiguous (give every afnemer a row for 2027-02, with zeros if nothing is expected)',
    ]);
  });

  it('reports CSV syntax with its position: an unclosed quote, text after a closing quote', () => {
    expect(
      problems(() =>
        readForecastCsv(`${HEADER}\n2027-01,00000001003214345000,"Belastingdienst,1,0,0,0,0,0,0,0,0,0\n`, 'q.csv', {
          kind: 'forecast',
        }),
      ),
    ).toEqual(['q.csv:2:30: CSV syntax: quoted field is not closed (a " is missing)']);
    expect(
      problems(() =>
        readForecastCsv(`${HEADER}\n2027-01,00000001003214345000,"Belasting"dienst,1,0,0,0,0,0,0,0,0,0\n`, 'q.csv', {
          kind: 'forecast',
        }),
      ),
    ).toEqual([
      'q.csv:2:41: CSV syntax: text after a closing quote; quote the whole field or write "" for a quote inside it',
    ]);
  });

  it('reads the Dutch spreadsheet dialect: semicolons, a decimal comma, a BOM, comments and quoted names', () => {
    const text = `\ufeff# export uit het capaciteitsdashboard\n${HEADER.replaceAll(',', ';')}\r\n2027-01;00000001003214345000;"Belastingdienst; Toeslagen";1000;37,5;800;0;0;0;0;0;0\r\n`;
    const f = readForecastCsv(text, 'nl.csv', { kind: 'forecast' });
    expect(f.rows[0]).toMatchObject({
      line: 3,
      naam: 'Belastingdienst; Toeslagen',
      attachmentSharePct: 37.5,
      counts: { messages: 1000, notifications: 800 },
    });
  });
});

describe('a profile file with bad entries', () => {
  it('points at the JSON syntax error', () => {
    const text = '{\n  "profiles": {\n    "avond": { "hourly": [1, 2,] }\n  }\n}\n';
    expect(problems(() => readProfilesJson(text, 'p.json'))).toEqual(["p.json:3:32: JSON syntax: unexpected ']'"]);
  });

  it('names the path, line and column of every schema problem', () => {
    const text = `{
  "profiles": {
    "avond": { "hourly": [1, 1, 1], "weekly": [1, 1, 1, 1, 1, 1, -1] },
    "office-hours": { "hourly": ${JSON.stringify(onlyHours(9))} },
    "seizoen": { "periods": [{ "from": "03-01", "to": "03-31", "factor": 2 }, { "from": "03-15", "to": "04-15", "factor": 1 }] }
  },
  "assign": [
    { "service": "brieven", "profile": "avond" },
    { "afnemer": "00000001003214345000", "profile": "ochtend" },
    { "profile": "avond" }
  ]
}
`;
    expect(problems(() => readProfilesJson(text, 'p.json'))).toEqual([
      'p.json:3:26: profiles.avond.hourly: exactly 24 hourly (hour 0 = 00:00-01:00 local) weights',
      'p.json:3:66: profiles.avond.weekly[6]: a weight is >= 0',
      'p.json:8:18: assign[0].service: one of messages, digid, machtigen, validation, subscriptions',
      'p.json:10:5: assign[2]: give an afnemer, a service or both',
    ]);
    // With the schema satisfied, the rules across entries.
    const second = text
      .replace('[1, 1, 1], "weekly": [1, 1, 1, 1, 1, 1, -1]', JSON.stringify(onlyHours(20)))
      .replace('"brieven"', '"digid"')
      .replace('{ "profile": "avond" }', '{ "service": "digid", "profile": "avond" }');
    expect(problems(() => readProfilesJson(second, 'p.json'))).toEqual([
      "p.json:4:21: profiles.office-hours: 'office-hours' is the name of a shipped profile; choose another name (shipped: office-hours, citizens-evening-peak, night-window)",
      'p.json:5:79: profiles.seizoen.periods[1]: overlaps periods[0] (03-01..03-31); periods of a profile must not overlap',
      "p.json:9:53: assign[1].profile: no profile 'ochtend' in this file or among the shipped ones (office-hours, citizens-evening-peak, night-window)",
      'p.json:10:5: assign[2]: assigns every afnemer / digid again (assign[0] already does)',
    ]);
  });

  it('refuses an assignment to an afnemer the forecast does not have, and a profile that leaves a month without weight', () => {
    const forecast = forecastOf([{ month: '2027-03', ...BD, messages: 10, digid: 500 }], 'f.csv');
    const stranger = profilesOf({ assign: [{ afnemer: '00000001999999999000', profile: 'office-hours' }] }, 'p.json');
    expect(problems(() => runForecast({ forecast, profiles: stranger }))).toEqual([
      'p.json:3:5: assign: afnemer 00000001999999999000 is not in the forecast f.csv (check the OIN)',
    ]);
    const never = profilesOf({
      profiles: { nooit: { hourly: onlyHours(3), periods: [{ from: '01-01', to: '12-31', factor: 0 }] } },
      assign: [{ service: 'digid', profile: 'nooit' }],
    });
    // The cell of the DigiD figure: line 2, column of digid_authentications.
    const column = `2027-03,${BD.oin},${BD.naam},10,0,0,`.length + 1;
    expect(problems(() => runForecast({ forecast, profiles: never }))).toEqual([
      `f.csv:2:${column}: column 'digid_authentications': 500 in 2027-03, but profile 'nooit/digid' gives no hour of 2027-03 any weight (every day has weight 0); assign a profile that covers the month`,
    ]);
  });
});

describe('bbsim forecast on bad input (the CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-forecast-input-'));
  const cli = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await run('node', ['bin/bbsim.js', 'forecast', ...args], {
        cwd: ROOT,
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('exits 2 with every problem as file:line:column and no stack trace', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(
      file,
      csv([{ month: '2027-01', ...BD, messages: 5, notifications: 6 }]).replace(',5,0,6,', ',5,0,6x,'),
    );
    const r = await cli(file, '--out', join(dir, 'out'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:2:50: column 'notifications': '6x' is not a whole number >= 0`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const missing = await cli(join(dir, 'nope.csv'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${join(dir, 'nope.csv')}: no such forecast file`);
    const badTrace = await cli(file, '--trace', 'yesterday evening');
    expect(badTrace.code).toBe(2);
    expect(badTrace.stderr).toMatch(/--trace wants a local time YYYY-MM-DDTHH:MM/);
  });
});
