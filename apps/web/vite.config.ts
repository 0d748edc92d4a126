import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';
import type { ProxyOptions } from 'vite';

// The API server of `pnpm dev`; the dashboard is served by Vite and proxies to it.
const target = `http://127.0.0.1:${process.env['SERVER_PORT'] ?? 4021}`;

const api: ProxyOptions = {
  target,
  // Keep the browser's Host so the server sees a same-origin request.
  changeOrigin: false,
  configure(proxy) {
    // http-proxy pipes responses as they come; make sure nothing upstream compresses
    // (and so buffers) the event stream.
    proxy.on('proxyReq', (proxyReq, req) => {
      if (req.url?.startsWith('/api/sse/')) proxyReq.setHeader('accept-encoding', 'identity');
    });
  },
};

const proxy = { '/api': api, '/metrics': { target, changeOrigin: false } };

// Vite reads the config's default export.
export default defineConfig({
  plugins: [vue()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: { proxy },
  preview: { proxy },
});
