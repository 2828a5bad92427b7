import { escapeXmlAttr } from '../xml/index.ts';
import { figureCells, scopeCells } from './render-text.ts';
import type { CompareResult } from './types.ts';

/** One testcase per checked figure and norm, a failure for each regression (for CI test reports). */
export function compareJunit(r: CompareResult): string {
  const x = escapeXmlAttr;
  const cases = [
    ...r.norms.map(
      (n) =>
        `  <testcase classname="bbsim.compare.${x(r.scenario)}.norms" name="${x(n.normId)}">${n.verdict === 'regression' ? `<failure message="${x(`held in the baseline, fails now: ${n.current ?? '?'} ${n.unit}, limit ${n.limit}`)}"/>` : ''}</testcase>`,
    ),
    ...r.figures.map((f) => {
      const c = figureCells(f);
      return `  <testcase classname="bbsim.compare.${x(r.scenario)}.${f.scope}.${x(f.name)}" name="${x(f.figure)}">${f.verdict === 'regression' ? `<failure message="${x(`${c[2]}, change ${c[3]}, interval ${c[4]}, budget ${c[5]}`)}"/>` : ''}</testcase>`;
    }),
    ...r.scopes.map(
      (s) =>
        `  <testcase classname="bbsim.compare.${x(r.scenario)}.${s.scope}.${x(s.name)}" name="requests">${s.verdict === 'lost' ? `<failure message="${x(scopeCells(s).slice(1).join(': '))}"/>` : ''}</testcase>`,
    ),
  ];
  const tests = r.norms.length + r.figures.length + r.scopes.length;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="bbsim.compare.${x(r.scenario)}" tests="${tests}" failures="${r.regressions}">
${cases.join('\n')}
</testsuite>
`;
}
