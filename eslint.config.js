import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const SOURCE = '**/*.{js,mjs,cjs,ts,mts,cts,vue}';
const TESTS = ['**/*.test.ts', '**/*.spec.ts', '**/test/**', 'e2e/**'];
const WORKSPACE_DIRS = 'protocol|sse-broker|client|bench|server|web|e2e';

// No package reaches into another's files by a relative path; it imports it by name.
const noReachingIn = {
  regex: `^(\\.\\./)+((apps|packages)/)?(${WORKSPACE_DIRS})/`,
  message: "Import another workspace package by its name (@sessionboard/…), not by a path into its files.",
};

/**
 * `no-restricted-imports` with the rule every file has plus `patterns`. A later config's
 * options replace an earlier one's, so each package's rule repeats the common pattern.
 */
function restrictImports(...patterns) {
  return { 'no-restricted-imports': ['error', { patterns: [noReachingIn, ...patterns] }] };
}

/** Only relative imports and the module specifiers matched by `allowed` (a regex source). */
function onlyImports(allowed, message) {
  return restrictImports({ regex: `^(?!\\.{1,2}/|${allowed})`, message });
}

export default defineConfig([
  globalIgnores([
    '**/dist/',
    '**/node_modules/',
    '**/artifacts/',
    '**/coverage/',
    '**/test-results/',
    '**/playwright-report/',
    '**/.vite/',
  ]),

  { files: [SOURCE], extends: [js.configs.recommended] },
  { files: [SOURCE], extends: [tseslint.configs.recommended] },
  {
    files: ['**/*.vue'],
    extends: [pluginVue.configs['flat/recommended']],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
    rules: {
      // TypeScript checks names in <script lang="ts">; ESLint's scope analysis does not know its types.
      'no-undef': 'off',
      // Layout, not correctness: one attribute per line and forced line breaks make short
      // templates long, and no formatter here applies them.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
    },
  },

  {
    files: [SOURCE],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // STYLE.md habit 2: a package's surface is named exports.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ExportDefaultDeclaration',
          message: 'Use a named export (STYLE.md habit 2); default exports are for .vue files and tool configs.',
        },
        {
          selector: "ExportSpecifier[exported.name='default']",
          message: 'Use a named export (STYLE.md habit 2); default exports are for .vue files and tool configs.',
        },
      ],
      ...restrictImports(),
    },
  },
  {
    // A .vue file's component is its default export; tools read their configs from one.
    files: ['**/*.vue', '**/*.config.{js,mjs,cjs,ts,mts}', 'e2e/support/globalSetup.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },

  // STYLE.md habit 14, dependency direction, for code that ships (tests may use test tools).
  {
    files: ['packages/protocol/**'],
    ignores: TESTS,
    rules: onlyImports('(?!)', '@sessionboard/protocol imports nothing: it is the bottom layer.'),
  },
  {
    files: ['packages/sse-broker/**'],
    ignores: TESTS,
    rules: onlyImports(
      'node:|@sessionboard/protocol$',
      '@sessionboard/sse-broker imports only @sessionboard/protocol and node: built-ins.',
    ),
  },
  {
    files: ['packages/client/**'],
    ignores: TESTS,
    rules: onlyImports(
      '@sessionboard/protocol$',
      '@sessionboard/client imports only @sessionboard/protocol: it runs in any browser.',
    ),
  },
  {
    files: ['packages/*/{src,test}/**/*.test.ts', 'packages/*/test/**'],
    rules: restrictImports({
      regex: '^@sessionboard/(server|web)(/|$)',
      message: 'A package under packages/ does not depend on an app, even in its tests.',
    }),
  },
  {
    files: ['apps/web/**'],
    rules: restrictImports({
      regex: '^(@sessionboard/(server|sse-broker)(/|$)|(\\.\\./)+(apps/)?server/|(\\.\\./)+(packages/)?sse-broker/)',
      message: 'The dashboard never imports the server or the broker (STYLE.md habit 14); share types through @sessionboard/protocol.',
    }),
  },
  {
    files: ['apps/web/src/**'],
    ignores: TESTS,
    languageOptions: { globals: { ...globals.browser } },
    rules: restrictImports(
      {
        regex: '^(@sessionboard/(server|sse-broker)(/|$)|(\\.\\./)+(apps/)?server/|(\\.\\./)+(packages/)?sse-broker/)',
        message: 'The dashboard never imports the server or the broker (STYLE.md habit 14); share types through @sessionboard/protocol.',
      },
      { regex: '^node:', message: 'The dashboard runs in the browser: no Node built-ins.' },
    ),
  },
  {
    files: ['apps/server/**'],
    rules: restrictImports({
      regex: '^@sessionboard/web(/|$)',
      message: 'The server serves the built dashboard from disk; it does not import it.',
    }),
  },
  {
    // Functions passed to page.evaluate run in the browser.
    files: ['e2e/**'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
]);
