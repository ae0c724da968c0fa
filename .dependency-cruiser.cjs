/**
 * Architecture boundaries, checked in CI (`npm run lint`).
 * The domain is pure: no framework, no infrastructure, no Node I/O — only its own files.
 * Applications do not reach into each other: libraries serve them all, projections/ serves apps, the CLI stays out of the API.
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'libs/domain holds the rules; it imports nothing but itself (no Nest, no drivers, no node: modules).',
      severity: 'error',
      from: { path: '^libs/domain/', pathNot: '\\.spec\\.ts$' },
      to: { pathNot: '^libs/domain/' },
    },
    {
      name: 'integration-events-are-pure',
      comment:
        "libs/integration-events is the published contract and its mapping: pure, it reads only the domain's types and the codec's event union (and zod), never the store, a driver or Nest.",
      severity: 'error',
      from: { path: '^libs/integration-events/', pathNot: '\\.spec\\.ts$' },
      to: { pathNot: '^(libs/integration-events/|libs/domain/|libs/event-codec/src/(index|event-shapes)\\.ts$|node_modules/zod/)' },
    },
    {
      name: 'libs-do-not-depend-on-apps',
      comment: 'Libraries serve applications, never the other way round.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^(apps|projections)/' },
    },
    {
      name: 'projections-do-not-depend-on-apps',
      comment: 'The projectors run as a process of their own; apps may host them (apps/api does), never the other way round. Shared code goes to libs/.',
      severity: 'error',
      from: { path: '^projections/' },
      to: { path: '^apps/' },
    },
    {
      name: 'cli-does-not-depend-on-api',
      comment: "The CLI and the API are separate applications: what both need lives in libs/ (or projections/), not in the other's internals.",
      severity: 'error',
      from: { path: '^apps/cli/' },
      to: { path: '^apps/api/' },
    },
    {
      name: 'no-test-code-in-production',
      severity: 'error',
      from: { path: '^(apps|libs|projections)/', pathNot: '\\.spec\\.ts$|/testing/' },
      to: { path: '^test/|\\.spec\\.ts$|/testing/' },
    },
    {
      name: 'tests-use-library-entry-points',
      comment:
        'Tests and benchmarks use a library as its applications do, through libs/<name>/src/index.ts (or its testing/ helpers): a deep import would let a test pass on an internal that the library no longer offers.',
      severity: 'error',
      from: { path: '^(test|bench)/' },
      to: { path: '^libs/[^/]+/src/', pathNot: '^libs/[^/]+/src/index\\.ts$|/testing/' },
    },
    {
      name: 'http-suites-go-through-http',
      comment: 'Tests and benchmarks reach routes over HTTP (the test app, the generated client), never by calling a controller, so each answer is the one a caller gets and is checked against /openapi.json.',
      severity: 'error',
      from: { path: '^(test|bench)/' },
      to: { path: '^apps/api/src/.+\\.http\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    // Only our build output is excluded: excluding node_modules would hide imports of packages from every rule.
    exclude: { path: '^dist/' },
  },
};
