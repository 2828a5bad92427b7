import { stringify } from 'yaml';
import { scriptHashOf } from '../k6gen/index.ts';
import { generateDefaultK6Script } from './mock-defaults.ts';
import type { Scenario } from '../scenario/index.ts';
import { MAX_SEGMENTS, segmentsProblem } from './segments.ts';

/** A Kubernetes object as written (plain data; the tests validate it against the real schemas). */
export type Manifest = Record<string, unknown> & {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
  };
};

export interface K8sOptions {
  readonly scenario: Scenario;
  /** k6-operator parallelism: runner pods, each one execution segment. */
  readonly parallelism: number;
  /** Base URL the runners load; absent with mockImage: the mock's Service in the same namespace. */
  readonly baseUrl?: string;
  /** The user's image of bbsim: when given, a Deployment + Service run the mock in the cluster. */
  readonly mockImage?: string;
  /** The runners' image (its k6 writes the CSV the collect step reads). */
  readonly k6Image: string;
  readonly namespace?: string;
  /** An existing ReadWriteMany claim for the results; absent: one is written (`<name>-results`). */
  readonly resultsClaim?: string;
  readonly storage: string;
}

/** A ConfigMap holds at most 1 MiB (etcd's object limit). */
const CONFIG_MAP_MAX_BYTES = 1024 * 1024;
const MOCK_PORT = 8080;
/** Where the runners write and the reader pod shows the segment files. */
export const RESULTS_MOUNT = '/results';
/** fsGroup of the runner pods (the grafana/k6 image's uid, as its group). */
const K6_IMAGE_GID = 12345;

/** Why these options cannot make manifests, one message per field and rule; empty when they can. */
export function k8sProblems(o: K8sOptions): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(o.parallelism) || o.parallelism < 1 || o.parallelism > MAX_SEGMENTS)
    problems.push(`--parallelism must be an integer from 1 to ${MAX_SEGMENTS}, got ${o.parallelism}`);
  else {
    const p = segmentsProblem(o.scenario, o.parallelism);
    if (p) problems.push(p.replace('--segments', '--parallelism'));
  }
  if (o.baseUrl === undefined && o.mockImage === undefined)
    problems.push(
      '--base-url or --mock-image is needed: the runners load either your service (--base-url) or the mock in the cluster (--mock-image, your image of bbsim)',
    );
  if (o.baseUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(o.baseUrl))
    problems.push(`--base-url must be an http(s) URL, got ${JSON.stringify(o.baseUrl)}`);
  if (o.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(o.namespace))
    problems.push(
      `--namespace must be a DNS label (lower-case letters, digits, '-'; at most 63), got ${JSON.stringify(o.namespace)}`,
    );
  if (!/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti)$/.test(o.storage))
    problems.push(`--storage must be a quantity such as 1Gi or 500Mi, got ${JSON.stringify(o.storage)}`);
  return problems;
}

/** A DNS-1123 name from the scenario's name (k8s object names). */
function dnsName(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'scenario'
  );
}

export interface K8sFiles {
  /** File name → the YAML documents in it, in the order to apply them. */
  readonly files: Readonly<Record<string, readonly Manifest[]>>;
  readonly names: { readonly testRun: string; readonly reader: string; readonly mock?: string; readonly claim: string };
}

/**
 * What `bbsim k8s <scenario>` writes for `kubectl apply -f`: a ConfigMap with the generated script;
 * a k6-operator TestRun (k6.io/v1alpha1) whose `parallelism` runners each run one execution segment
 * and write `<pod>.k6-summary.json` and `<pod>.k6-samples.csv.gz` to a shared volume; the claim
 * for that volume and a reader pod to `kubectl cp` the files out of; and, with a mock image, the mock
 * as a Deployment + Service at the scenario's clock.
 */
export function k8sManifests(o: K8sOptions): K8sFiles {
  const { scenario } = o;
  const name = `bbsim-${dnsName(scenario.name)}`;
  const ns = o.namespace !== undefined ? { namespace: o.namespace } : {};
  const labels = { 'app.kubernetes.io/part-of': 'bbsim', 'bbsim/scenario': dnsName(scenario.name) };
  const script = generateDefaultK6Script(scenario);
  if (Buffer.byteLength(script) > CONFIG_MAP_MAX_BYTES)
    throw new Error(
      `the script of ${scenario.name} is ${Buffer.byteLength(script)} bytes, more than a ConfigMap holds (1 MiB)`,
    );
  const file = `${scenario.name}.js`;
  const claim = o.resultsClaim ?? `${name}-results`;
  const mockName = o.mockImage !== undefined ? 'bbsim-mock' : undefined;
  const base = o.baseUrl ?? `http://${mockName}:${MOCK_PORT}`;

  const configMap: Manifest = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${name}-script`, ...ns, labels: { ...labels, 'bbsim/script-hash': scriptHashOf(script) ?? '' } },
    data: { [file]: script },
  };
  const results: Manifest[] = [];
  if (o.resultsClaim === undefined) {
    results.push({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: claim, ...ns, labels },
      // Every runner pod writes to it at once, wherever it is scheduled: ReadWriteMany.
      spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: o.storage } } },
    });
  }
  results.push({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${name}-results-reader`, ...ns, labels },
    spec: {
      containers: [
        {
          name: 'reader',
          image: 'busybox:1.37',
          command: ['sh', '-c', 'sleep 86400'],
          volumeMounts: [{ name: 'results', mountPath: RESULTS_MOUNT, readOnly: true }],
        },
      ],
      volumes: [{ name: 'results', persistentVolumeClaim: { claimName: claim, readOnly: true } }],
      restartPolicy: 'Never',
    },
  });
  const testRun: Manifest = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: { name, ...ns, labels },
    spec: {
      parallelism: o.parallelism,
      script: { configMap: { name: `${name}-script`, file } },
      // k6 writes every sample to the shared volume, one file per runner pod: what bbsim collect merges.
      arguments: `--no-usage-report --out csv=${RESULTS_MOUNT}/$(POD_NAME).k6-samples.csv.gz`,
      runner: {
        image: o.k6Image,
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'BASE_URL', value: base },
          { name: 'SPEED', value: String(scenario.clock.speed) },
          { name: 'SUMMARY_PATH', value: `${RESULTS_MOUNT}/$(POD_NAME).k6-summary.json` },
        ],
        volumes: [{ name: 'results', persistentVolumeClaim: { claimName: claim } }],
        volumeMounts: [{ name: 'results', mountPath: RESULTS_MOUNT }],
        // The k6 image runs as a non-root user (uid 12345): fsGroup gives the pod's processes the
        // volume's group, so k6 may write its files on a freshly provisioned (root-owned) claim.
        securityContext: { fsGroup: K6_IMAGE_GID },
      },
    },
  };
  const files: Record<string, Manifest[]> = { 'script.yaml': [configMap], 'results.yaml': results };
  if (o.mockImage !== undefined && mockName !== undefined) {
    const mockLabels = { ...labels, 'app.kubernetes.io/name': mockName };
    const args = [
      'node',
      'bin/bbsim.js',
      'mock',
      '--host',
      '0.0.0.0',
      '--port',
      String(MOCK_PORT),
      '--db',
      '/data/mock.db',
      '--speed',
      String(scenario.clock.speed),
      ...(scenario.clock.start !== undefined ? ['--start', scenario.clock.start] : []),
      // A speed schedule: its segments as sim offsets from --start (the mock starts with its pod).
      ...(scenario.clock.schedule.length > 1
        ? [
            '--speed-schedule',
            scenario.clock.schedule.map((x) => `${x.from === 0 ? '0' : `${x.from}ms`}=${x.speed}`).join(','),
          ]
        : []),
    ];
    files['mock.yaml'] = [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: mockName, ...ns, labels: mockLabels },
        spec: {
          // One mock: its capacity windows and /status figures are of the whole load.
          replicas: 1,
          selector: { matchLabels: { 'app.kubernetes.io/name': mockName } },
          template: {
            metadata: { labels: mockLabels },
            spec: {
              containers: [
                {
                  name: 'mock',
                  image: o.mockImage,
                  command: args,
                  ports: [{ name: 'http', containerPort: MOCK_PORT }],
                  readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 2 },
                  volumeMounts: [{ name: 'data', mountPath: '/data' }],
                },
              ],
              volumes: [{ name: 'data', emptyDir: {} }],
            },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: mockName, ...ns, labels: mockLabels },
        spec: {
          selector: { 'app.kubernetes.io/name': mockName },
          ports: [{ name: 'http', port: MOCK_PORT, targetPort: 'http' }],
        },
      },
    ];
  }
  files['testrun.yaml'] = [testRun];
  return {
    files,
    names: {
      testRun: name,
      reader: `${name}-results-reader`,
      claim,
      ...(mockName !== undefined ? { mock: mockName } : {}),
    },
  };
}

/** The documents of one file as YAML (`---` between them; the script as a literal block). */
export function manifestsYaml(docs: readonly Manifest[]): string {
  return docs
    .map((d) => stringify(d, { lineWidth: 0, blockQuote: 'literal', aliasDuplicateObjects: false }))
    .join('---\n');
}
