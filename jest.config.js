// Jest runs TypeScript through @swc/jest (CommonJS, legacy decorators with metadata, as Nest needs) on Node 24,
// which loads the ESM-only NestJS packages through require(esm) (NODE_OPTIONS=--experimental-vm-modules).
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // The path aliases of tsconfig.base.json (`@accounts/<lib>` is a library's index).
  moduleNameMapper: {
    '^@accounts/projections/(.*)$': '<rootDir>/projections/src/$1',
    '^@accounts/([a-z-]+)$': '<rootDir>/libs/$1/src',
  },
};

module.exports = {
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
  // Template databases left by workers that are gone (killed runs, suites that did not drop theirs).
  globalSetup: '<rootDir>/test/support/stale-templates.cjs',
  globalTeardown: '<rootDir>/test/support/stale-templates.cjs',
  projects: [
    // Pure tests: deciders, projections and other code without I/O.
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/projections/**/*.unit.spec.ts'] },
    // Tests against real PostgreSQL and Redis, and against the in-process EventStoreDB double.
    // (The unit project runs projections' *.unit.spec.ts.)
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/projections/**/*.spec.ts'],
      testPathIgnorePatterns: [...common.testPathIgnorePatterns, '\\.unit\\.spec\\.ts$'],
    },
    // Real-server suites: run only by `npm run test:esdb` (and friends), with their URL set.
    { ...common, displayName: 'esdb-real', testMatch: ['<rootDir>/test/**/*.esdb-real.ts'] },
    { ...common, displayName: 'opensearch-real', testMatch: ['<rootDir>/test/**/*.opensearch-real.ts'] },
    { ...common, displayName: 'minio-real', testMatch: ['<rootDir>/test/**/*.minio-real.ts'] },
  ],
};
