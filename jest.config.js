const swc = ['@swc/jest', { jsc: { target: 'es2023', parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, keepClassNames: true }, module: { type: 'commonjs' } }];
module.exports = { testEnvironment: 'node', transform: { '^.+\\.ts$': swc }, testMatch: ['**/*.spec.ts'], testPathIgnorePatterns: ['/node_modules/', '/dist/'] };
