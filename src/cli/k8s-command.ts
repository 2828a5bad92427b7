import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { k8sManifests, k8sProblems, manifestsYaml, MAX_SEGMENTS, RESULTS_MOUNT } from '../run/index.ts';
import { intIn } from './arg-parsers.ts';
import { loadScenarios } from './load-scenarios.ts';

interface Options {
  parallelism: number;
  baseUrl?: string;
  mockImage?: string;
  k6Image: string;
  namespace?: string;
  resultsClaim?: string;
  storage: string;
  out?: string;
  scenarios: string;
}

/** The k6 the runners run: the same release as the set-up's, so its CSV is what collect reads. */
const K6_IMAGE = 'grafana/k6:1.8.1';

export function k8sCommand(program: Command): void {
  program
    .command('k8s')
    .description(
      'Write Kubernetes manifests to run a scenario with the k6-operator (TestRun, the script as a ConfigMap, a results volume, optionally the mock)',
    )
    .argument('<scenario>', 'scenario name (scenarios/<name>.ts)')
    .option(
      '--parallelism <n>',
      'runner pods, each one k6 execution segment',
      intIn('--parallelism', 1, MAX_SEGMENTS),
      2,
    )
    .option('--base-url <url>', 'the service the runners load (default with --mock-image: the mock in the cluster)')
    .option(
      '--mock-image <image>',
      'your image of bbsim: also run the mock in the cluster (Deployment + Service bbsim-mock)',
    )
    .option('--k6-image <image>', "the runners' image", K6_IMAGE)
    .option('--namespace <ns>', "namespace of every object (default: kubectl's current one)")
    .option(
      '--results-claim <name>',
      'an existing ReadWriteMany PersistentVolumeClaim for the segment files (default: one is written)',
    )
    .option('--storage <quantity>', 'size of the results claim written', '1Gi')
    .option('--out <dir>', 'folder for the manifests (default results/k8s/<scenario>)')
    .option('--scenarios <dir>', 'scenario folder', 'scenarios')
    .addHelpText(
      'after',
      `
Exit codes: 0 written, 2 bad input (nothing written).
Examples:
  $ bbsim k8s smoke --mock-image registry.example/bbsim:0.1.0 --parallelism 4
  $ bbsim k8s tax-filing-evening --base-url https://acceptatie.example --parallelism 8`,
    )
    .action(async (name: string, opts: Options) => {
      let scenario;
      try {
        [scenario] = await loadScenarios(opts.scenarios, [name]);
      } catch (err) {
        console.error(`bbsim k8s: ${(err as Error).message}`);
        process.exit(2);
      }
      if (!scenario) process.exit(2);
      const o = {
        scenario,
        parallelism: opts.parallelism,
        k6Image: opts.k6Image,
        storage: opts.storage,
        ...(opts.baseUrl !== undefined ? { baseUrl: opts.baseUrl } : {}),
        ...(opts.mockImage !== undefined ? { mockImage: opts.mockImage } : {}),
        ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
        ...(opts.resultsClaim !== undefined ? { resultsClaim: opts.resultsClaim } : {}),
      };
      const problems = k8sProblems(o);
      if (problems.length > 0) {
        for (const p of problems) console.error(`bbsim k8s: ${p}`);
        process.exit(2);
      }
      const { files, names } = k8sManifests(o);
      const dir = opts.out ?? join('results', 'k8s', scenario.name);
      // Written beside and renamed: the folder is whole or absent.
      const partial = `${dir}.partial`;
      rmSync(partial, { recursive: true, force: true });
      mkdirSync(partial, { recursive: true });
      for (const [file, docs] of Object.entries(files)) writeFileSync(join(partial, file), manifestsYaml(docs));
      rmSync(dir, { recursive: true, force: true });
      renameSync(partial, dir);
      const ns = opts.namespace !== undefined ? ` -n ${opts.namespace}` : '';
      const f = (file: string): string => `-f ${join(dir, file)}`;
      console.log(`wrote ${Object.keys(files)
        .map((file) => join(dir, file))
        .join(', ')}
Needs the k6-operator (its TestRun CRD) in the cluster and a storage class with ReadWriteMany for the results claim.

  kubectl apply${ns} ${f('script.yaml')} ${f('results.yaml')}${
    names.mock
      ? `
  kubectl apply${ns} ${f('mock.yaml')} && kubectl rollout status${ns} deployment/${names.mock}`
      : ''
  }
  kubectl apply${ns} ${f('testrun.yaml')}
  kubectl wait${ns} testrun/${names.testRun} --for=jsonpath='{.status.stage}'=finished --timeout=2h
  kubectl cp${ns} ${names.reader}:${RESULTS_MOUNT} ./${names.testRun}-results${
    names.mock
      ? `
  kubectl port-forward${ns} svc/${names.mock} 8080:8080 &
  bbsim collect ./${names.testRun}-results --target http://127.0.0.1:8080`
      : `
  bbsim collect ./${names.testRun}-results`
  }`);
      if (existsSync(partial)) rmSync(partial, { recursive: true, force: true });
    });
}
