/** Files the forms load at run time, served by the app shell (never a CDN: the forms work offline). */

// browser-image-compression's worker imports this script; pwa/forms/build-assets.mjs (and the
// app's build) copy node_modules/browser-image-compression/dist/browser-image-compression.js here.
export const COMPRESSION_LIB_URL = "/dist/vendor/browser-image-compression.js";
