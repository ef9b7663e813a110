// The only module reading barcodes: the browser's BarcodeDetector where it exists, otherwise the
// WASM reader from the app shell (pwa/scanner/zxing.js), loaded the first time it is needed.
const READER_URL = "/dist/vendor/scanner.js";
let reader = null;

/** Which reader this phone uses: "native" or "wasm". */
export const engine = () => ("BarcodeDetector" in globalThis ? "native" : "wasm");

/** The codes on a photo of the nameplate, [{text, format}], the longest first. */
export async function scan(blob) {
  let codes;
  if (engine() === "native") {
    const bitmap = await createImageBitmap(blob);
    const found = await new globalThis.BarcodeDetector().detect(bitmap);
    codes = found.map((c) => ({ text: c.rawValue, format: c.format }));
  } else {
    reader = reader || import(/* the URL is only known at run time */ READER_URL);
    codes = await (await reader).read(blob);
  }
  const seen = new Set();
  return codes.filter((c) => c.text && !seen.has(c.text) && seen.add(c.text))
    .sort((a, b) => b.text.length - a.text.length);
}
