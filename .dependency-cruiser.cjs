// The layering of ../shared/DESIGN.md ("Layers"), enforced: `npm run lint:deps` in CI.
// Each folder of src/ has a rank; a module may import its own folder and folders of a lower rank,
// never one of the same or a higher rank (so no folder-level loop can exist), except the few
// same-rank arrows listed in SAME_RANK (run orchestrates engine and report).
// test/layering.test.ts proves that a violation fails the check.
const LAYERS = [
  ['norms', 'clock', 'random', 'errors'], // import nothing of ours
  ['xml', 'net'], // shared helpers
  ['scenario', 'population'],
  ['berichten'],
  ['store'],
  ['mock'],
  ['k6gen'],
  ['results'], // the shapes of a run's results: the vocabulary of engine, report and compare
  ['engine', 'run', 'report'],
  ['compare', 'forecast', 'rehearse'],
  ['cli'], // nothing imports cli
];
const SAME_RANK = { run: ['engine', 'report'] };
/**
 * Folders whose index.ts is their door: another folder imports them through it, never a file
 * behind it. (engine, results, run and store keep an index.ts for the CLI, the tests and the
 * benches; inside src their files are imported one by one, so that a command loads only what it
 * uses: run/index.ts alone pulls in the mock, the engine, k6gen and the report.)
 */
const BARRELS = [
  'norms',
  'clock',
  'random',
  'xml',
  'net',
  'scenario',
  'population',
  'berichten',
  'k6gen',
  'compare',
  'forecast',
];
/** The load side: what the mock never imports. */
const LOAD_SIDE = ['k6gen', 'engine', 'run', 'results', 'report', 'compare', 'forecast', 'rehearse'];

const rank = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i])));
const all = [...rank.keys()];
const alt = (folders) => `^src/(${folders.join('|')})/`;

const forbidden = [
  {
    name: 'no-circular',
    comment: 'No import loops between files.',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
  {
    name: 'mock-never-imports-load-side',
    comment: 'DESIGN.md: the mock never imports the load side.',
    severity: 'error',
    from: { path: '^src/mock/' },
    to: { path: alt(LOAD_SIDE) },
  },
  {
    name: 'verdict-reads-http-figures',
    comment:
      "DESIGN.md: the verdict reads the mock's HTTP figures, never its internals. Only the types of the capacity figures' HTTP contract may be imported.",
    severity: 'error',
    from: { path: '^src/(run/verdict|results/)' },
    to: { path: '^src/(mock|store)/', pathNot: '^src/mock/capacity/capacity-stats\\.ts$' },
  },
  {
    name: 'verdict-reads-http-contract-types-only',
    comment: "The verdict imports the capacity figures' types, never code of the mock.",
    severity: 'error',
    from: { path: '^src/(run/verdict|results/)' },
    to: { path: '^src/mock/capacity/capacity-stats\\.ts$', dependencyTypesNot: ['type-only'] },
  },
  {
    name: 'through-the-barrel',
    comment:
      'A folder with an index.ts (BARRELS) is imported from another folder through it, so its public face is one file.',
    severity: 'error',
    from: { path: '^src/([^/]+)/' },
    to: { path: `^src/(${BARRELS.join('|')})/(?!index\\.ts$)`, pathNot: '^src/$1/' },
  },
  {
    name: 'nothing-imports-cli',
    comment: 'DESIGN.md: nothing imports cli.',
    severity: 'error',
    from: { path: '^src/', pathNot: '^src/cli/' },
    to: { path: '^src/cli/' },
  },
  {
    name: 'src-never-imports-tests',
    severity: 'error',
    from: { path: '^src/' },
    to: { path: '^(test|bench|scripts)/' },
  },
  ...all.map((folder) => {
    const r = rank.get(folder);
    const allowedSame = SAME_RANK[folder] ?? [];
    const upward = all.filter((f) => f !== folder && rank.get(f) >= r && !allowedSame.includes(f));
    return {
      name: `layer-${folder}`,
      comment: `DESIGN.md layers: src/${folder} (rank ${r}) imports nothing of the same or a higher rank: ${upward.join(', ')}.`,
      severity: 'error',
      from: { path: `^src/${folder}/` },
      to: { path: alt(upward) },
    };
  }),
  {
    name: 'unknown-folder',
    comment:
      'A new folder of src/ needs a rank in .dependency-cruiser.cjs (and a line in DESIGN.md). src/version.ts (read from package.json) is a leaf any folder may import.',
    severity: 'error',
    from: { path: '^src/', pathNot: [alt(all), '^src/index\\.ts$', '^src/version\\.ts$'] },
    to: {},
  },
  {
    name: 'package-entry',
    comment:
      "src/index.ts is the package's public API for scenarios in another repository: the DSL and the norms, nothing else.",
    severity: 'error',
    from: { path: '^src/index\\.ts$' },
    to: { path: '^src/', pathNot: alt(['scenario', 'norms']) },
  },
  {
    name: 'nothing-imports-the-package-entry',
    severity: 'error',
    from: { path: '^src/' },
    to: { path: '^src/index\\.ts$' },
  },
];

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|k6|results|\\.tools)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
