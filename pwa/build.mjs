// Builds the app shell into pwa/dist/: the bundled app, its CSS, vendor workers, and the
// service worker with Workbox's precache manifest injected (revisioned, so an update is noticed).
import { build } from "esbuild";
import { injectManifest } from "workbox-build";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, "dist");
const common = { bundle: true, minify: true, legalComments: "none", logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' } };

await rm(dist, { recursive: true, force: true });
await mkdir(path.join(dist, "vendor"), { recursive: true });

await build({ ...common, entryPoints: [path.join(root, "js/main.js")], outfile: path.join(dist, "app.js"),
  format: "esm", target: ["chrome100", "safari15"], sourcemap: false });
await build({ ...common, entryPoints: [path.join(root, "css/app.css")], outfile: path.join(dist, "app.css") });
await build({ ...common, entryPoints: [path.join(root, "js/blank.js")], outfile: path.join(dist, "blank.js"),
  format: "esm" });
// browser-image-compression runs its worker from this file (never from a CDN: it must work offline).
await copyFile(path.join(root, "../node_modules/browser-image-compression/dist/browser-image-compression.js"),
  path.join(dist, "vendor/browser-image-compression.js"));

// The nameplate reader: its own bundle and the WASM it loads, fetched only when a scan needs it.
await build({ ...common, entryPoints: [path.join(root, "scanner/zxing.js")], outfile: path.join(dist, "vendor/scanner.js"),
  format: "esm", target: ["chrome100", "safari15"] });
await copyFile(path.join(root, "../node_modules/zxing-wasm/dist/reader/zxing_reader.wasm"),
  path.join(dist, "vendor/zxing_reader.wasm"));

// The console's map library (Leaflet), served from the app itself, never from a CDN.
const consoleVendor = path.join(root, "../server/console/static/vendor");
await mkdir(consoleVendor, { recursive: true });
await copyFile(path.join(root, "../node_modules/leaflet/dist/leaflet-src.esm.js"), path.join(consoleVendor, "leaflet.js"));
await copyFile(path.join(root, "../node_modules/leaflet/dist/leaflet.css"), path.join(consoleVendor, "leaflet.css"));

await build({ ...common, entryPoints: [path.join(root, "service-worker.js")], outfile: path.join(dist, "sw.src.js"),
  format: "iife", target: ["chrome100", "safari15"] });
const { count, size, warnings } = await injectManifest({
  swSrc: path.join(dist, "sw.src.js"),
  swDest: path.join(dist, "service-worker.js"),
  globDirectory: root,
  globPatterns: ["index.html", "blank.html", "manifest.webmanifest", "dist/*.{js,css}", "dist/vendor/*.{js,wasm}",
    "icons/*.png"],
  globIgnores: ["dist/sw.src.js", "dist/service-worker.js"],
  maximumFileSizeToCacheInBytes: 4 * 1024 * 1024, // the barcode reader's WASM (about 1 MB)
  modifyURLPrefix: { "": "/" },
  manifestTransforms: [async (entries) => ({
    manifest: entries.map((e) => ({ ...e, url: e.url === "/index.html" ? "/" : e.url === "/blank.html" ? "/blank" : e.url })),
  })],
});
await rm(path.join(dist, "sw.src.js"));
for (const w of warnings) console.warn(w);
console.log(`pwa: built; ${count} files precached (${(size / 1024).toFixed(1)} KiB)`);
