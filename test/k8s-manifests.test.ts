import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenarios } from '../src/cli/load-scenarios.ts';
import { generateDefaultK6Script } from '../src/run/mock-defaults.ts';
import { k8sManifests, manifestsYaml, type Manifest } from '../src/run/index.ts';

const ROOT = join(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'bbsim-k8s-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const run = promisify(execFile);

/**
 * The k6-operator's own CRD (config/crd/bases/k6.io_testruns.yaml of grafana/k6-operator v1.6.0,
 * commit cf0ae21f, Apache-2.0): the Go module proxy refuses github.com/grafana/k6-operator here, so
 * the CRD file is kept as a test fixture (test/fixtures/k6-operator/README.md).
 */
const CRD = join(ROOT, 'test', 'fixtures', 'k6-operator', 'k6.io_testruns.yaml');

/**
 * The Kubernetes OpenAPI v3 documents (api/openapi-spec/v3 of the k8s.io/kubernetes module), from
 * the module cache scripts/setup fills; fetched here with `go mod download` when it is not there.
 */
const K8S_VERSION = 'v1.34.0';
function k8sOpenApiDir(): string | undefined {
  // The cache scripts/setup fills (its CACHE_DIR).
  const cache = join(
    process.env['BBSIM_CACHE'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'bbsim'),
    'gomod',
  );
  const dir = join(cache, `k8s.io/kubernetes@${K8S_VERSION}`, 'api', 'openapi-spec', 'v3');
  if (existsSync(dir)) return dir;
  try {
    const out = execFileSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${K8S_VERSION}`], {
      env: { ...process.env, GOMODCACHE: cache, GOFLAGS: '-mod=mod' },
      encoding: 'utf8',
      timeout: 300_000,
    });
    const got = join((JSON.parse(out) as { Dir: string }).Dir, 'api', 'openapi-spec', 'v3');
    return existsSync(got) ? got : undefined;
  } catch {
    return undefined;
  }
}
const openApiDir = k8sOpenApiDir();

type Schema = Record<string, unknown>;
/**
 * kubectl apply validates strictly (an unknown field is an error), but the schemas leave
 * additionalProperties open: close every object schema that lists its properties, as kubeconform
 * -strict does, unless it preserves unknown fields.
 */
function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (node === null || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node))
    out[k] =
      k === 'properties' ? Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, strict(s)])) : strict(v);
  if (
    out['properties'] !== undefined &&
    out['additionalProperties'] === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  )
    out['additionalProperties'] = false;
  return out;
}

const ajv = new Ajv({ strict: false, validateFormats: false, validateSchema: false, allErrors: true });
function testRunValidator(): ValidateFunction {
  const crd = parse(readFileSync(CRD, 'utf8')) as {
    spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
  };
  expect(crd.spec.group).toBe('k6.io');
  expect(crd.spec.names.kind).toBe('TestRun');
  const v1alpha1 = crd.spec.versions.find((v) => v.name === 'v1alpha1')!;
  return ajv.compile(strict(v1alpha1.schema.openAPIV3Schema) as Schema);
}
const SCHEMAS: Record<string, [file: string, schema: string]> = {
  ConfigMap: ['api__v1_openapi.json', 'io.k8s.api.core.v1.ConfigMap'],
  PersistentVolumeClaim: ['api__v1_openapi.json', 'io.k8s.api.core.v1.PersistentVolumeClaim'],
  Pod: ['api__v1_openapi.json', 'io.k8s.api.core.v1.Pod'],
  Service: ['api__v1_openapi.json', 'io.k8s.api.core.v1.Service'],
  Deployment: ['apis__apps__v1_openapi.json', 'io.k8s.api.apps.v1.Deployment'],
};
const coreValidators = new Map<string, ValidateFunction>();
function coreValidator(kind: string): ValidateFunction {
  const [file, schema] = SCHEMAS[kind]!;
  if (!ajv.getSchema(file))
    ajv.addSchema(strict(JSON.parse(readFileSync(join(openApiDir!, file), 'utf8'))) as Schema, file);
  let v = coreValidators.get(kind);
  if (!v) coreValidators.set(kind, (v = ajv.compile({ $ref: `${file}#/components/schemas/${schema}` })));
  return v;
}

/** Every problem of a manifest against its schema (empty: valid). */
function problems(m: Manifest, testRun: ValidateFunction): string[] {
  const v = m.kind === 'TestRun' ? testRun : coreValidator(m.kind);
  if (m.kind === 'TestRun') expect(m.apiVersion).toBe('k6.io/v1alpha1');
  return v(m) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

const readDocs = (dir: string): Manifest[] =>
  readdirSync(dir)
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJSON() as Manifest));
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('bbsim k8s: manifests against the real schemas', () => {
  it.skipIf(openApiDir === undefined)(
    'what the README command writes validates: TestRun against the k6-operator CRD, the rest against the Kubernetes OpenAPI',
    async () => {
      const out = join(tmp, 'smoke');
      const r = await run(
        process.execPath,
        [
          'bin/bbsim.js',
          'k8s',
          'smoke',
          '--mock-image',
          'registry.example/bbsim:0.1.0',
          '--parallelism',
          '4',
          '--out',
          out,
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect(r.stdout).toMatch(/kubectl apply -f .*testrun\.yaml/);
      expect(r.stdout).toMatch(/bbsim collect \.\/bbsim-smoke-results --target http:\/\/127\.0\.0\.1:8080/);
      const docs = readDocs(out);
      expect(docs.map((d) => d.kind).sort()).toEqual([
        'ConfigMap',
        'Deployment',
        'PersistentVolumeClaim',
        'Pod',
        'Service',
        'TestRun',
      ]);
      const testRun = testRunValidator();
      for (const d of docs) expect(problems(d, testRun), `${d.kind} ${d.metadata.name}`).toEqual([]);
      const tr = docs.find((d) => d.kind === 'TestRun') as unknown as {
        spec: {
          parallelism: number;
          script: { configMap: { name: string; file: string } };
          arguments: string;
          runner: { env: { name: string; value?: string }[] };
        };
      };
      expect(tr.spec.parallelism).toBe(4);
      const env = Object.fromEntries(tr.spec.runner.env.map((e) => [e.name, e.value]));
      expect(env).toMatchObject({
        BASE_URL: 'http://bbsim-mock:8080',
        SPEED: '6',
        SUMMARY_PATH: '/results/$(POD_NAME).k6-summary.json',
      });
      // POD_NAME comes first: Kubernetes expands $(POD_NAME) only from variables defined before.
      expect(tr.spec.runner.env[0]!.name).toBe('POD_NAME');
      expect(tr.spec.arguments).toContain('--out csv=/results/$(POD_NAME).k6-samples.csv.gz');
      // The ConfigMap holds the generated script byte for byte (the YAML literal block keeps it).
      const cm = docs.find((d) => d.kind === 'ConfigMap') as unknown as {
        metadata: { name: string };
        data: Record<string, string>;
      };
      expect(tr.spec.script.configMap.name).toBe(cm.metadata.name);
      const [smoke] = await loadScenarios(join(ROOT, 'scenarios'), ['smoke']);
      expect(cm.data[tr.spec.script.configMap.file]).toBe(generateDefaultK6Script(smoke!));
    },
    60_000,
  );

  it.skipIf(openApiDir === undefined)('a wrong field fails the check (so the check can fail)', async () => {
    const [smoke] = await loadScenarios(join(ROOT, 'scenarios'), ['smoke']);
    const { files } = k8sManifests({
      scenario: smoke!,
      parallelism: 2,
      mockImage: 'bbsim:dev',
      k6Image: 'grafana/k6:1.8.1',
      storage: '1Gi',
    });
    const docs = Object.values(files).flat();
    const testRun = testRunValidator();
    const byKind = (k: string): Manifest => clone(docs.find((d) => d.kind === k)!);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- mutating parsed JSON
    const wrong: [string, Manifest, (m: Record<string, any>) => void, RegExp][] = [
      [
        'TestRun parallelism as text',
        byKind('TestRun'),
        (m) => {
          m['spec'].parallelism = 'four';
        },
        /\/spec\/parallelism must be integer/,
      ],
      [
        'TestRun misspelt field',
        byKind('TestRun'),
        (m) => {
          m['spec'].paralelism = 2;
        },
        /additionalProperty":"paralelism"/,
      ],
      [
        'TestRun script without configMap name',
        byKind('TestRun'),
        (m) => {
          delete m['spec'].script.configMap.name;
        },
        /\/spec\/script\/configMap must have required property 'name'/,
      ],
      [
        'TestRun runner env as a map',
        byKind('TestRun'),
        (m) => {
          m['spec'].runner.env = { BASE_URL: 'x' };
        },
        /\/spec\/runner\/env must be array/,
      ],
      [
        'ConfigMap data not a string',
        byKind('ConfigMap'),
        (m) => {
          m['data'] = { 'smoke.js': 1 };
        },
        /\/data\/smoke\.js must be string/,
      ],
      [
        'Deployment misspelt replicas',
        byKind('Deployment'),
        (m) => {
          m['spec'].replica = 1;
        },
        /additionalProperty":"replica"/,
      ],
      [
        'Service port as text',
        byKind('Service'),
        (m) => {
          m['spec'].ports[0].port = 'http';
        },
        /\/spec\/ports\/0\/port must be integer/,
      ],
      [
        'Pod container without a name',
        byKind('Pod'),
        (m) => {
          delete m['spec'].containers[0].name;
        },
        /\/spec\/containers\/0 must have required property 'name'/,
      ],
    ];
    for (const [what, m, edit, message] of wrong) {
      expect(problems(m, testRun), `${what}: valid before the edit`).toEqual([]);
      edit(m as Record<string, unknown>);
      expect(problems(m, testRun).join('\n'), what).toMatch(message);
    }
  });

  it('the YAML is what kubectl reads: one document per object, the script unfolded', async () => {
    const [smoke] = await loadScenarios(join(ROOT, 'scenarios'), ['smoke']);
    const { files } = k8sManifests({
      scenario: smoke!,
      parallelism: 2,
      baseUrl: 'https://acceptatie.example',
      k6Image: 'grafana/k6:1.8.1',
      storage: '1Gi',
    });
    expect(Object.keys(files)).toEqual(['script.yaml', 'results.yaml', 'testrun.yaml']);
    const yaml = manifestsYaml(files['results.yaml']!);
    expect(parseAllDocuments(yaml).map((d) => (d.toJSON() as Manifest).kind)).toEqual(['PersistentVolumeClaim', 'Pod']);
    expect(yaml).not.toMatch(/[&*]a\d/); // no YAML anchors
    const tr = parse(manifestsYaml(files['testrun.yaml']!)) as {
      spec: { runner: { env: { name: string; value?: string }[] } };
    };
    expect(tr.spec.runner.env.find((e) => e.name === 'BASE_URL')?.value).toBe('https://acceptatie.example');
  });

  it('bad input: exit 2 with the rule, nothing written', async () => {
    for (const [args, message] of [
      [['--parallelism', '0', '--mock-image', 'x'], /--parallelism must be an integer from 1 to 64, got '0'/],
      [['--parallelism', '2'], /--base-url or --mock-image is needed/],
      [['--base-url', 'acceptatie', '--parallelism', '2'], /--base-url must be an http\(s\) URL/],
      [['--mock-image', 'x', '--namespace', 'Bad_NS'], /--namespace must be a DNS label/],
    ] as const) {
      const out = join(tmp, `bad-${args.join('')}`);
      const r = await run(process.execPath, ['bin/bbsim.js', 'k8s', 'smoke', ...args, '--out', out], {
        cwd: ROOT,
        encoding: 'utf8',
      }).catch((e: { code: number; stderr: string }) => e);
      expect('code' in r ? r.code : 0, args.join(' ')).toBe(2);
      expect((r as { stderr: string }).stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
  });
});
