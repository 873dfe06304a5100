/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The dev server proxies the API (HTTP + the live WebSocket) to a running masthead.
const apiTarget = process.env.MASTHEAD_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  // Served by masthead at the site root: index.html at `/`, hashed files under `/assets/`.
  base: "/",
  plugins: [react()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: true,
    emptyOutDir: true,
  },
  server: {
    proxy: {
      "/api": { target: apiTarget, ws: true, changeOrigin: false },
    },
  },
  test: {
    include: ["src/**/*.test.{ts,tsx}"],
    environment: "node",
    restoreMocks: true,
  },
});
