import { escapeXmlAttr, escapeXmlText } from '../xml/escape.ts';
import type { VerdictRow } from './verdict-row.ts';

/** JUnit XML, one testcase per norm (CI systems read it); not-measured norms are skipped cases. */
export function junitXml(scenario: string, rows: readonly VerdictRow[], seconds: number): string {
  const failures = rows.filter((r) => r.status === 'fail').length;
  const skipped = rows.filter((r) => r.status === 'not-measured').length;
  const cases = rows.map((r) => {
    const head = `<testcase classname="bbsim.${escapeXmlAttr(scenario)}" name="${escapeXmlAttr(r.normId)}" time="0">`;
    if (r.status === 'fail') {
      return `${head}<failure message="${escapeXmlAttr(`measured ${r.measured} ${r.unit}, limit ${r.limit}`)}">${escapeXmlText(`${r.title}\n${r.source}\n${r.citation}`)}</failure></testcase>`;
    }
    if (r.status === 'not-measured') return `${head}<skipped message="not measured by this run"/></testcase>`;
    return `${head}</testcase>`;
  }).join('\n  ');
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="bbsim.${escapeXmlAttr(scenario)}" tests="${rows.length}" failures="${failures}" skipped="${skipped}" time="${seconds.toFixed(3)}">
  ${cases}
</testsuite></testsuites>
`;
}
