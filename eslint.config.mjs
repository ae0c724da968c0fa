// Lint: the recommended TypeScript rules, plus the few that catch real defects in async event-handling code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      // Another library, or the projections, through its alias (tsconfig.base.json paths), never a relative path.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(\\.\\./)+(libs/[a-z-]+/src|[a-z-]+/src|projections/src)(/|$)', message: 'Import a library as @accounts/<lib> and the projections as @accounts/projections/<path>.' },
          ],
        },
      ],
    },
  },
  { files: ['bench/**', 'apps/cli/**'], rules: { 'no-console': 'off' } },
  { files: ['**/*.spec.ts', 'test/**'], rules: { '@typescript-eslint/no-non-null-assertion': 'off' } },
);
