// Lint rules: typescript-eslint's recommended set; the type-aware rules that
// catch promises nobody waits for, promises handed where a plain callback is
// expected, awaits of non-promises and switches that miss a case (sources and
// tests, one program: tsconfig.eslint.json); and the layering rule that `shared`
// never imports a service.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'test-output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    // Time is a dependency: in the controller and in shared (which it runs on), only
    // the real clock (shared/src/clock.ts) touches the globals; everything else takes
    // an injected Clock, so tests can move time by hand.
    files: ['shared/src/**/*.ts', 'timer-controller/src/**/*.ts'],
    ignores: ['shared/src/clock.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval'].map((name) => ({
          name,
          message: 'Use the injected Clock (setTimer, clearTimer, sleep).',
        })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use the injected Clock (now).' },
        { object: 'performance', property: 'now', message: 'Use the injected Clock (now).' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use the injected Clock (now).' },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@timer/api', '@timer/controller', '**/timer-api/**', '**/timer-controller/**'],
              message: 'shared must not import a service',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The dashboard's script runs in a browser, as a classic script (no modules, no build step).
    files: ['timer-api/ui/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        [
          'document',
          'sessionStorage',
          'fetch',
          'URL',
          'Node',
          'HTMLButtonElement',
          'Intl',
          'setInterval',
          'clearInterval',
          'setTimeout',
          'clearTimeout',
          'URLSearchParams',
          'localStorage',
          'location',
          'window',
          'CustomEvent',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
);
