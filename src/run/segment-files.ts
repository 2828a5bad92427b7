import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { LatencyHistogram } from '../results/histogram.ts';
import type { SegmentSummary } from '../results/merge.ts';
import type { EncodedHistogram } from '../results/summary.ts';
import { timelineFromK6 } from '../results/timeline.ts';
import type { K6Summary } from '../results/verdict-row.ts';
import { readK6Csv } from './k6-csv.ts';
import { CodedError, ERROR_CODES } from '../errors/error-codes.ts';

/** A segment output that cannot be used: the message names the file and what is wrong. */
export class SegmentInputError extends CodedError {
  readonly code = ERROR_CODES.SEGMENT_INPUT_INVALID;
  override readonly name = 'SegmentInputError';
}

/** What the generated script's handleSummary writes (k6gen: SUMMARY_PATH). */
interface ScriptSummary {
  readonly scenario?: unknown;
  readonly scriptHash?: unknown;
  readonly speed?: unknown;
  readonly bucketSeconds?: unknown;
  readonly segment?: unknown;
  readonly segmentSequence?: unknown;
  readonly k6?: { readonly metrics?: unknown };
}

const encodeAll = (m: ReadonlyMap<string, LatencyHistogram>): Record<string, EncodedHistogram> =>
  Object.fromEntries([...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, h]) => [k, h.encode()]));

function readJson(path: string): unknown {
  if (!existsSync(path)) throw new SegmentInputError(`${path}: no such file`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new SegmentInputError(`${path}: not JSON (${(err as Error).message})`);
  }
}

/**
 * The samples file beside a script summary: `<stem>k6-samples.csv.gz` (or `.csv`) for
 * `<stem>k6-summary.json`, so `segments/2/k6-summary.json` pairs with `segments/2/k6-samples.csv.gz`
 * and `/results/<pod>.k6-summary.json` with `/results/<pod>.k6-samples.csv.gz`.
 */
export function samplesBeside(summaryPath: string): string[] {
  const name = basename(summaryPath);
  const stem = name.endsWith('k6-summary.json')
    ? name.slice(0, -'k6-summary.json'.length)
    : name.replace(/\.json$/, '.');
  return [`${stem}k6-samples.csv.gz`, `${stem}k6-samples.csv`].map((f) => join(dirname(summaryPath), f));
}

/**
 * One segment from the files its k6 process wrote: the script's summary JSON and k6's CSV of every
 * sample (read into HDR histograms), or a bbsim segment summary (`segments/<n>/summary.json`) that
 * already holds the histograms. Throws SegmentInputError naming the file and the rule.
 */
export async function readSegmentOutput(summaryPath: string, csvPath?: string): Promise<SegmentSummary> {
  const raw = readJson(summaryPath) as ScriptSummary & { kind?: unknown };
  if (raw === null || typeof raw !== 'object')
    throw new SegmentInputError(`${summaryPath}: not a k6 summary (an object with scenario, scriptHash and k6)`);
  if (raw.kind === 'bbsim-segment') return raw as unknown as SegmentSummary;
  const missing = (['scenario', 'scriptHash', 'speed', 'k6'] as const).filter((k) => raw[k] === undefined);
  if (missing.length > 0 || typeof raw.k6?.metrics !== 'object') {
    throw new SegmentInputError(
      `${summaryPath}: not a summary of a bbsim-generated script (missing ${missing.join(', ') || 'k6.metrics'}; regenerate the script with bbsim generate or bbsim k8s)`,
    );
  }
  const csv = csvPath ?? samplesBeside(summaryPath).find((p) => existsSync(p));
  if (csv === undefined || !existsSync(csv)) {
    throw new SegmentInputError(
      `${summaryPath}: its samples file ${csvPath ?? samplesBeside(summaryPath)[0]} is missing (k6 --out csv=…): without every request's duration the percentiles cannot be merged exactly`,
    );
  }
  if (statSync(csv).size === 0) throw new SegmentInputError(`${csv}: empty samples file`);
  let samples;
  try {
    samples = await readK6Csv(csv);
  } catch (err) {
    throw new SegmentInputError(`${csv}: not k6 CSV output (${(err as Error).message})`);
  }
  const bucketSeconds = typeof raw.bucketSeconds === 'number' ? raw.bucketSeconds : 1;
  const { timeline, k6 } = timelineFromK6(raw.k6 as K6Summary, bucketSeconds);
  return {
    kind: 'bbsim-segment',
    scenario: String(raw.scenario),
    scriptHash: String(raw.scriptHash),
    speed: Number(raw.speed),
    // A process that ran all of the load is the one segment of the sequence 0,1.
    segment: typeof raw.segment === 'string' ? raw.segment : '0:1',
    segmentSequence:
      typeof raw.segmentSequence === 'string' && raw.segmentSequence !== ''
        ? raw.segmentSequence
        : typeof raw.segment === 'string'
          ? ''
          : '0,1',
    bucketSeconds,
    k6,
    timeline,
    histograms: { service: encodeAll(samples.byService), flow: encodeAll(samples.byFlow) },
    errors: samples.errors,
  };
}
