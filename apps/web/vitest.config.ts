import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

// Vitest reads the config's default export; the root config lists this file as a project.
export default defineConfig({
  plugins: [vue()],
  test: {
    name: 'web',
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
  },
});
