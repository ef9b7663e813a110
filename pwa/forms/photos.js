/**
 * A photo for the order (and optionally a part): taken with the camera, compressed on the device to
 * about 1600 px on the long edge with EXIF orientation applied and all EXIF (GPS too) removed, named
 * by its SHA-256. Compression runs in a worker whose script the app shell serves, so it works offline.
 */
import imageCompression from "browser-image-compression";
import { COMPRESSION_LIB_URL } from "./assets.js";
import { sha256Hex } from "./digest.js";
import { disableAll, h, listeners, svg } from "./dom.js";
import { translator } from "./strings.js";

export { COMPRESSION_LIB_URL };
export const MAX_EDGE = 1600;
export const CAPTION_MAX = 200;
const JPEG = "image/jpeg";

/**
 * The JPEG without its metadata segments (APP1 Exif/XMP, APP13 IPTC, comments). Re-encoding through a
 * canvas already drops them; this makes sure whatever the encoder does.
 */
export function stripJpegMetadata(bytes) {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return bytes;
  const keep = [bytes.subarray(0, 2)];
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1];
    if (marker === 0xda) break; // start of scan: entropy-coded data follows to the end
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    const drop = marker === 0xe1 || marker === 0xed || marker === 0xfe;
    if (!drop) keep.push(bytes.subarray(at, at + 2 + length));
    at += 2 + length;
  }
  keep.push(bytes.subarray(at));
  const out = new Uint8Array(keep.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of keep) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

async function imageSize(blob) {
  const bitmap = await createImageBitmap(blob);
  const size = { width: bitmap.width, height: bitmap.height };
  bitmap.close();
  return size;
}

/** Burn a stamp line (order number, time) into the bottom of the picture, for warranty claims:
 * a dark band across the width with the text in white, re-encoded as JPEG (no metadata). */
export async function burnStamp(bytes, text) {
  const bitmap = await createImageBitmap(new Blob([bytes], { type: JPEG }));
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const band = Math.max(28, Math.round(Math.min(width, height) * 0.07));
  ctx.fillStyle = "rgba(0, 0, 0, 0.72)";
  ctx.fillRect(0, height - band, width, band);
  ctx.fillStyle = "#fff";
  ctx.font = `600 ${Math.round(band * 0.55)}px "Noto Sans CJK SC", "PingFang SC", sans-serif`;
  ctx.textBaseline = "middle";
  ctx.fillText(text, Math.round(band * 0.4), height - band / 2, width - band * 0.8);
  const blob = await canvas.convertToBlob({ type: JPEG, quality: 0.85 });
  return stripJpegMetadata(new Uint8Array(await blob.arrayBuffer()));
}

/** Compress a camera file as the form does: {bytes: Uint8Array, width, height}; with `stamp`
 * (text), the stamp is burned in after compression. */
export async function preparePhoto(file, { libURL = COMPRESSION_LIB_URL, onProgress, stamp } = {}) {
  const compressed = await imageCompression(file, {
    maxWidthOrHeight: MAX_EDGE,
    fileType: JPEG,
    initialQuality: 0.85,
    useWebWorker: true,
    // The worker runs from a blob: URL, where a root-relative path cannot be resolved.
    libURL: new URL(libURL, globalThis.location?.href).href,
    preserveExif: false,
    onProgress,
  });
  let bytes = stripJpegMetadata(new Uint8Array(await compressed.arrayBuffer()));
  if (stamp) bytes = await burnStamp(bytes, stamp);
  return { bytes, ...(await imageSize(new Blob([bytes], { type: JPEG }))) };
}

/**
 * mount(root, {parts?: [{id, label}], partUsedId?, compressionLibUrl?, stamp?: (takenAt) => text, lang, t, onSubmit, onCancel?})
 * onSubmit({bytes: ArrayBuffer, mime, width, height, sha256, partUsedId, caption, takenAt})
 */
export function mount(root, opts = {}) {
  const t = translator(opts);
  const on = listeners();
  const parts = opts.parts || [];

  const input = h("input", { class: "of-visually-hidden", type: "file", name: "photo",
    accept: "image/*", capture: "environment" });
  const takeLabel = h("span", null, t("forms.photos.take"));
  const take = h("label", { class: "of-btn of-btn--primary of-camera" }, cameraIcon(), takeLabel, input);
  const intro = h("p", { class: "of-hint" }, t("forms.photos.empty"));
  const status = h("p", { class: "of-status", role: "status", "aria-live": "polite" });
  const preview = h("img", { class: "of-photo__thumb", alt: t("forms.photos.preview") });
  const meta = h("p", { class: "of-photo__meta" });
  const part = h("select", { class: "of-input", name: "partUsedId" },
    h("option", { value: "" }, t("forms.photos.no_part")),
    parts.map((p) => h("option", { value: p.id }, p.label || p.name || p.code || p.id)));
  part.value = opts.partUsedId && parts.some((p) => p.id === opts.partUsedId) ? opts.partUsedId : "";
  const caption = h("input", { class: "of-input", type: "text", name: "caption", maxlength: CAPTION_MAX });
  const saveBtn = h("button", { class: "of-btn of-btn--primary", type: "submit" }, t("forms.photos.save"));
  const details = h("div", { class: "of-photo", hidden: true },
    h("figure", { class: "of-photo__figure" }, preview, meta),
    parts.length ? h("label", { class: "of-field" },
      h("span", { class: "of-field__label" }, t("forms.photos.part")), part) : null,
    h("label", { class: "of-field" }, h("span", { class: "of-field__label" }, t("forms.photos.caption")), caption),
    h("div", { class: "of-actions" }, saveBtn));
  const cancelBtn = opts.onCancel
    ? h("button", { class: "of-btn of-btn--quiet", type: "button" }, t("forms.cancel")) : null;

  const form = h("form", { class: "of-form of-photos", novalidate: true },
    h("h2", { class: "of-title" }, t("forms.photos.title")),
    intro, details, status,
    h("div", { class: "of-actions of-actions--camera" }, take),
    cancelBtn ? h("div", { class: "of-actions of-actions--secondary" }, cancelBtn) : null);
  root.replaceChildren(form);

  let photo = null;
  let previewUrl = null;
  let generation = 0;

  const showPreview = (blob) => {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = blob ? URL.createObjectURL(blob) : null;
    if (previewUrl) preview.src = previewUrl;
    else preview.removeAttribute("src");
  };
  const reset = () => {
    photo = null;
    showPreview(null);
    details.hidden = true;
    intro.hidden = false;
    caption.value = "";
    takeLabel.textContent = t("forms.photos.take");
    form.dataset.state = "empty";
  };

  on(input, "change", async () => {
    const file = input.files && input.files[0];
    input.value = "";
    if (!file) return;
    const mine = ++generation;
    form.dataset.state = "working";
    status.textContent = t("forms.photos.working", { p: 0 });
    saveBtn.disabled = true;
    try {
      // The moment the picture was taken (the camera file's time), stamped and recorded alike.
      const takenAt = new Date(file.lastModified || Date.now()).toISOString();
      const prepared = await preparePhoto(file, {
        stamp: opts.stamp ? opts.stamp(takenAt) : null,
        libURL: opts.compressionLibUrl || COMPRESSION_LIB_URL,
        onProgress: (p) => { if (mine === generation) status.textContent = t("forms.photos.working", { p: Math.round(p) }); },
      });
      if (mine !== generation) return;
      const bytes = prepared.bytes.buffer.slice(prepared.bytes.byteOffset,
        prepared.bytes.byteOffset + prepared.bytes.byteLength);
      photo = { bytes, mime: JPEG, width: prepared.width, height: prepared.height,
        sha256: await sha256Hex(bytes), takenAt };
      if (mine !== generation) return;
      showPreview(new Blob([bytes], { type: JPEG }));
      meta.textContent = t("forms.photos.meta",
        { w: photo.width, h: photo.height, kb: Math.max(1, Math.round(bytes.byteLength / 1024)) });
      details.hidden = false;
      intro.hidden = true;
      status.textContent = "";
      takeLabel.textContent = t("forms.photos.retake");
      form.dataset.state = "ready";
      saveBtn.disabled = false;
    } catch (error) {
      if (mine !== generation) return;
      console.warn("photo could not be prepared", error);
      reset();
      status.textContent = t("forms.photos.failed");
      form.dataset.state = "failed";
    }
  });
  if (cancelBtn) on(cancelBtn, "click", () => opts.onCancel());
  let saving = false;
  on(form, "submit", async (event) => {
    event.preventDefault();
    if (!photo || saving) return;
    saving = true;
    const restore = disableAll(form);
    const result = { ...photo, partUsedId: part.value || null, caption: caption.value.trim().slice(0, CAPTION_MAX) };
    try {
      await opts.onSubmit?.(result);
      restore();
      reset(); // ready for the next photo
    } catch (error) {
      // Not kept (storage full?): the photo stays on screen to be attached again.
      console.warn("the photo was not kept", error);
      restore();
    } finally {
      saving = false;
    }
  });
  reset();

  return {
    destroy() {
      generation += 1;
      on.off();
      showPreview(null);
      root.replaceChildren();
    },
  };
}

function cameraIcon() {
  return svg("svg", { viewBox: "0 0 24 24", "aria-hidden": "true", class: "of-icon" }, svg("path", {
    d: "M9 4 7.2 6H4a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V8a2 2 0 0 0-2-2h-3.2L15 4H9zm3 4.5a4.5 4.5 0 1 1 0 9 4.5 4.5 0 0 1 0-9zm0 2a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z",
  }));
}
