// Photo thumbnails of an order with each one's upload state and progress (bytes stay on the
// device until the server has them all).
import { h } from "../ui.js";

export function photoStrip(app, photos) {
  const strip = h("div", { class: "photo-strip" });
  for (const photo of photos) {
    const label = h("span", { class: "photo__state", "data-testid": "photo-state" }, "…");
    const bar = h("div", { class: "photo__bar" });
    const tile = h("figure", { class: "photo", dataset: { sha: photo.sha256 } }, h("div", { class: "photo__img" }), label,
      h("div", { class: "photo__progress" }, bar));
    strip.append(tile);
    app.db.getBlob(photo.sha256).then((blob) => {
      if (blob && blob.bytes) {
        const url = URL.createObjectURL(new Blob([blob.bytes], { type: blob.mime || "image/jpeg" }));
        tile.querySelector(".photo__img").replaceWith(h("img", { src: url, alt: photo.caption || "", class: "photo__img" }));
      }
      const show = (received, total, state) => {
        const share = total ? Math.round((received / total) * 100) : 0;
        bar.style.width = `${state === "uploaded" ? 100 : share}%`;
        tile.dataset.state = state;
        label.textContent = state === "uploaded" ? app.t("photos.uploaded")
          : received ? app.t("photos.uploading", { p: share }) : app.t("photos.waiting");
      };
      const uploaded = !blob || blob.state === "uploaded" || photo.pending === false;
      show(blob?.uploaded || 0, blob?.size || blob?.bytes?.byteLength || 0, uploaded ? "uploaded" : "pending");
      const listener = (event) => {
        if (!tile.isConnected) { document.removeEventListener("onsite:progress", listener); return; }
        const p = event.detail.blobs[photo.sha256];
        if (p) show(p.received, p.total, p.received >= p.total ? "uploaded" : "pending");
      };
      document.addEventListener("onsite:progress", listener);
    });
  }
  return strip;
}
