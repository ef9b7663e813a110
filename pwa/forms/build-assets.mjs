// Copies the files the forms load at run time into pwa/dist/ (or the folder given as the first
// argument), so the app shell serves them and the forms work offline. Run: node pwa/forms/build-assets.mjs
import { copyFile, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { COMPRESSION_LIB_URL } from "./assets.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(process.argv[2] || path.join(here, "../dist"));
const require = createRequire(path.join(here, "../../package.json"));

// COMPRESSION_LIB_URL is "/dist/<path>": the same <path> under the dist folder.
const target = path.join(dist, ...COMPRESSION_LIB_URL.replace(/^\/dist\//, "").split("/"));
await mkdir(path.dirname(target), { recursive: true });
await copyFile(require.resolve("browser-image-compression"), target);
console.log(`forms: copied ${path.relative(process.cwd(), target)}`);
