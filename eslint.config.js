// ESLint (flat config): the JavaScript of the phone, its forms, the service worker, the console
// and the tests' helpers, with ESLint's recommended rules. Runs offline from node_modules.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    ignores: ["node_modules/**", "pwa/dist/**", "pwa/js/generated/**", "**/vendor/**",
      "server/static/**/*.min.js", "test-artifacts/**", ".venv/**"],
  },
  js.configs.recommended,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      globals: { ...globals.browser, ...globals.serviceworker },
    },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    files: ["**/*.mjs", "pwa/build.mjs", "pwa/forms/build-assets.mjs", "eslint.config.js"],
    languageOptions: { globals: { ...globals.node } },
  },
];
