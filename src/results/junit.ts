import { escapeXmlAttr, escapeXmlText } from '../xml/index.ts';
import type { ServiceErrors } from './error-budget.ts';
import type { VerdictRow } from './verdict-row.ts';

/**
 * JUnit XML, one testcase per norm (CI systems read it): a breach is a failure, a norm the run was
 * meant to judge and could not (no or too few successful requests) an error, a norm no load run
 * measures a skipped case; and one testcase per service for the error budget.
 */
export function junitXml(scenario: string, rows: readonly VerdictRow[], seconds: number, budget: readonly ServiceErrors[] = []): string {
  const overBudget = budget.filter((b) => b.status === 'fail').length;
  const failures = rows.filter((r) => r.status === 'fail').length + overBudget;
  const errors = rows.filter((r) => r.unjudged !== undefined).length;
  const skipped = rows.filter((r) => r.status === 'not-measured' && r.unjudged === undefined).length;
  const cases = rows.map((r) => {
    const head = `<testcase classname="bbsim.${escapeXmlAttr(scenario)}" name="${escapeXmlAttr(r.normId)}" time="0">`;
    if (r.status === 'fail') {
      return `${head}<failure message="${escapeXmlAttr(`measured ${r.measured} ${r.unit}, limit ${r.limit}`)}">${escapeXmlText(`${r.title}\n${r.source}\n${r.citation}`)}</failure></testcase>`;
    }
    if (r.unjudged !== undefined) return `${head}<error message="${escapeXmlAttr(`not judged: ${r.unjudged}`)}">${escapeXmlText(`${r.title}\n${r.source}`)}</error></testcase>`;
    if (r.status === 'not-measured') return `${head}<skipped message="not measured by this run"/></testcase>`;
    return `${head}</testcase>`;
  });
  for (const b of budget) {
    const head = `<testcase classname="bbsim.${escapeXmlAttr(scenario)}.errors" name="${escapeXmlAttr(`${b.service}.error-rate`)}" time="0">`;
    cases.push(b.status === 'fail'
      ? `${head}<failure message="${escapeXmlAttr(`${b.errors} of ${b.requests} requests failed (${b.errorRatePct.toFixed(2)} %), budget ${b.budgetPct} %`)}"/></testcase>`
      : `${head}</testcase>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="bbsim.${escapeXmlAttr(scenario)}" tests="${rows.length + budget.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds.toFixed(3)}">
  ${cases.join('\n  ')}
</testsuite></testsuites>
`;
}
