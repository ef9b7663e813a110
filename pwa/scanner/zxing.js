// The WASM barcode reader (zxing-wasm), bundled apart from the shell and loaded only when a
// phone without BarcodeDetector scans a nameplate; its .wasm comes from the app shell, never a CDN.
import { prepareZXingModule, readBarcodes } from "zxing-wasm/reader";

prepareZXingModule({
  overrides: { locateFile: (file, prefix) => (file.endsWith(".wasm") ? `/dist/vendor/${file}` : prefix + file) },
});

/** The codes read from an image Blob: [{text, format}]. */
export async function read(blob) {
  const found = await readBarcodes(blob, { tryHarder: true, maxNumberOfSymbols: 4 });
  return found.filter((r) => r.isValid && r.text).map((r) => ({ text: r.text, format: r.format }));
}
