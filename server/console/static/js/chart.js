// Small SVG charts for the figures page: lines over weeks, and stacked bars. No library needed.
const NS = "http://www.w3.org/2000/svg";
let W = 640;
const H = 260;
const PAD = { top: 16, right: 16, bottom: 40, left: 44 };

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function frame(labels, yMin, yMax, ticks, format) {
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart-svg", role: "img" });
  const x = (i) => PAD.left + (labels.length === 1 ? 0.5 : i / (labels.length - 1)) * (W - PAD.left - PAD.right);
  const y = (v) => PAD.top + (1 - (v - yMin) / (yMax - yMin)) * (H - PAD.top - PAD.bottom);
  for (let i = 0; i <= ticks; i += 1) {
    const v = yMin + ((yMax - yMin) * i) / ticks;
    svg.append(s("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(s("text", { x: PAD.left - 8, y: y(v) + 4, class: "axis", "text-anchor": "end" }, format(v)));
  }
  labels.forEach((text, i) => {
    svg.append(s("text", { x: x(i), y: H - PAD.bottom + 20, class: "axis", "text-anchor": "middle" }, text));
  });
  return { svg, x, y };
}

function legend(items) {
  const el = document.createElement("div");
  el.className = "legend";
  for (const item of items) {
    const entry = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.className = `swatch ${item.dashed ? "dashed" : ""}`;
    swatch.style.background = item.dashed ? "transparent" : item.color;
    swatch.style.borderColor = item.color;
    entry.append(swatch, document.createTextNode(item.name));
    el.append(entry);
  }
  return el;
}

export function lineChart(container, { labels, series, yMin, yMax, ticks = 4, format = String, target }) {
  const { svg, x, y } = frame(labels, yMin, yMax, ticks, format);
  svg.setAttribute("aria-label", series.map((one) => one.name).join(", "));
  const items = [];
  if (target) {
    svg.append(s("line", { x1: PAD.left, x2: W - PAD.right, y1: y(target.value), y2: y(target.value), class: "target", stroke: target.color }));
    items.push({ name: target.name, color: target.color, dashed: true });
  }
  for (const line of series) {
    let d = "";
    let pen = false;
    line.values.forEach((v, i) => {
      if (v === null || v === undefined) { pen = false; return; }
      d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    svg.append(s("path", { d, class: "series", stroke: line.color }));
    line.values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      const dot = s("circle", { cx: x(i), cy: y(v), r: 4, fill: "#fff", stroke: line.color, class: "point" });
      dot.append(s("title", {}, `${labels[i]}: ${format(v)}`));
      svg.append(dot);
    });
    items.push({ name: line.name, color: line.color });
  }
  container.replaceChildren(svg, legend(items));
}

export function stackedBars(container, { labels, series, ticks = 4, width = 1280 }) {
  W = width;
  const totals = labels.map((_, i) => series.reduce((sum, part) => sum + (part.values[i] || 0), 0));
  const yMax = Math.max(4, Math.ceil(Math.max(...totals) / ticks) * ticks);
  const { svg, y } = frame(labels, 0, yMax, ticks, (v) => String(Math.round(v)));
  svg.setAttribute("aria-label", series.map((one) => one.name).join(", "));
  const slot = (W - PAD.left - PAD.right) / labels.length;
  const x = (i) => PAD.left + slot * i + slot * 0.2;
  labels.forEach((text, i) => {
    // Labels of bars sit under the bar's middle, not on the line chart's points.
    svg.querySelectorAll("text.axis[text-anchor='middle']")[i].setAttribute("x", String(x(i) + slot * 0.3));
    let base = 0;
    for (const part of series) {
      const v = part.values[i] || 0;
      if (!v) continue;
      const rect = s("rect", { x: x(i), width: slot * 0.6, y: y(base + v), height: y(base) - y(base + v), fill: part.color, rx: 2 });
      rect.append(s("title", {}, `${part.name}: ${v}`));
      svg.append(rect);
      base += v;
    }
    if (totals[i]) svg.append(s("text", { x: x(i) + slot * 0.3, y: y(totals[i]) - 6, class: "bar-total", "text-anchor": "middle" }, String(totals[i])));
  });
  container.replaceChildren(svg, legend(series.map((p) => ({ name: p.name, color: p.color }))));
  W = 640;
}
