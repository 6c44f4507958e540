// Charts as inline SVG, no library: a line chart (several series over time) and a horizontal bar
// chart. Each is an <svg role="img"> whose aria-label says what it shows; a legend names the series.
const SVG = "http://www.w3.org/2000/svg";
const W = 640;
const H = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 84 };

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** A rounded maximum for the y axis, so ticks land on readable numbers. */
function niceMax(max) {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (max <= m * p) return m * p;
  return 10 * p;
}

function timeLabel(iso, spanMs) {
  const d = new Date(iso);
  return spanMs > 36 * 3600_000
    ? d.toLocaleDateString(undefined, { month: "short", day: "numeric" })
    : d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

function legend(series) {
  const ul = document.createElement("ul");
  ul.className = "legend";
  for (const se of series) {
    const li = document.createElement("li");
    const sw = document.createElement("span");
    sw.className = `swatch ${se.className}`;
    sw.setAttribute("aria-hidden", "true");
    li.append(sw, document.createTextNode(se.name));
    ul.append(li);
  }
  return ul;
}

/**
 * Line chart over time. Returns a <figure> holding the svg and its legend.
 * @param {object} chart
 * @param {string} chart.label what the chart shows (its accessible name starts with it)
 * @param {string[]} chart.times ISO times of the points
 * @param {{ name: string, className: string, values: (number | null)[] }[]} chart.series
 * @param {(v: number) => string} [chart.format] y value -> text
 * @param {number} [chart.minMax] the least top of the y axis
 */
export function lineChart({ label, times, series, format = String, minMax = 1 }) {
  const all = series.flatMap((se) => se.values).filter((v) => v !== null && v !== undefined);
  const max = niceMax(Math.max(minMax, ...all));
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const n = times.length;
  const x = (i) => PAD.left + (n <= 1 ? iw / 2 : (i * iw) / (n - 1));
  const y = (v) => PAD.top + ih - (v / max) * ih;
  const summary = series
    .map((se) => {
      const vals = se.values.filter((v) => v !== null && v !== undefined);
      const last = vals[vals.length - 1];
      return `${se.name}: latest ${last === undefined ? "none" : format(last)}, max ${vals.length ? format(Math.max(...vals)) : "none"}`;
    })
    .join("; ");
  const svg = s("svg", {
    viewBox: `0 0 ${W} ${H}`,
    role: "img",
    "aria-label": `${label}. ${n} points. ${summary}`,
    class: "chart",
    preserveAspectRatio: "none",
  });
  svg.append(s("title", {}, label));
  for (let t = 0; t <= 4; t++) {
    const v = (max * t) / 4;
    svg.append(
      s("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: "grid" }),
      s("text", { x: PAD.left - 6, y: y(v) + 4, class: "tick", "text-anchor": "end" }, format(v)),
    );
  }
  if (n > 0) {
    const span = new Date(times[n - 1] ?? 0).getTime() - new Date(times[0] ?? 0).getTime();
    /** @type {[number, string][]} */
    const marks =
      n === 1
        ? [[0, "middle"]]
        : [
            [0, "start"],
            [Math.floor((n - 1) / 2), "middle"],
            [n - 1, "end"],
          ];
    for (const [i, anchor] of marks) {
      svg.append(
        s(
          "text",
          { x: x(i), y: H - 8, class: "tick", "text-anchor": anchor },
          timeLabel(times[i] ?? "", span),
        ),
      );
    }
  }
  const has = (values, i) => i >= 0 && i < values.length && values[i] !== null && values[i] !== undefined;
  for (const se of series) {
    let d = "";
    se.values.forEach((v, i) => {
      if (!has(se.values, i)) return;
      d += `${has(se.values, i - 1) ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      // A point with no neighbour draws no line: mark it with a dot.
      if (!has(se.values, i - 1) && !has(se.values, i + 1))
        svg.append(s("circle", { cx: x(i), cy: y(v), r: 3.5, class: `dot ${se.className}` }));
    });
    if (d) svg.append(s("path", { d, class: `line ${se.className}` }));
  }
  return figure(svg, legend(series));
}

/** Horizontal bars: items [{ label, value (0..1 or null), text }], for shares such as utilisation. */
export function barChart({ label, items }) {
  const rowH = 28;
  const height = Math.max(1, items.length) * rowH + 8;
  const left = 110;
  const iw = W - left - 150;
  const svg = s("svg", {
    viewBox: `0 0 ${W} ${height}`,
    role: "img",
    "aria-label": `${label}. ${items.map((it) => `${it.label}: ${it.text}`).join("; ") || "no data"}`,
    class: "chart bars",
  });
  svg.append(s("title", {}, label));
  items.forEach((it, i) => {
    const yy = 4 + i * rowH;
    const w = Math.max(0, Math.min(1, it.value ?? 0)) * iw;
    svg.append(
      s("text", { x: left - 8, y: yy + 17, class: "tick", "text-anchor": "end" }, it.label),
      s("rect", { x: left, y: yy + 4, width: iw, height: rowH - 10, class: "track" }),
      s("rect", { x: left, y: yy + 4, width: w, height: rowH - 10, class: "bar" }),
      s("text", { x: left + iw + 8, y: yy + 17, class: "tick" }, it.text),
    );
  });
  return figure(svg);
}

function figure(svg, after) {
  const fig = document.createElement("figure");
  fig.className = "chart-figure";
  fig.append(svg);
  if (after) fig.append(after);
  return fig;
}
