// A loss curve as a standalone SVG (no dependencies): written next to metrics.jsonl so a run
// can be looked at without any plotting tool.

export interface Series {
  name: string;
  points: readonly [number, number][];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

export function lossCurveSvg(series: readonly Series[], title = 'loss', width = 640, height = 360): string {
  const pad = { l: 56, r: 16, t: 28, b: 36 };
  const all = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  if (all.length === 0)
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"></svg>`;
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs) || 1];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y1 - y0 < 1e-9) [y0, y1] = [y0 - 1, y1 + 1];
  const sx = (x: number) => pad.l + ((x - x0) / (x1 - x0 || 1)) * (width - pad.l - pad.r);
  const sy = (y: number) => height - pad.b - ((y - y0) / (y1 - y0)) * (height - pad.t - pad.b);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => y0 + f * (y1 - y0));
  const grid = ticks
    .map(
      (y) =>
        `<line x1="${pad.l}" x2="${width - pad.r}" y1="${sy(y)}" y2="${sy(y)}" stroke="#eee"/>` +
        `<text x="${pad.l - 6}" y="${sy(y) + 4}" text-anchor="end" font-size="11">${y.toPrecision(3)}</text>`,
    )
    .join('');
  const lines = series
    .map((s, i) => {
      const d = s.points
        .filter(([, y]) => Number.isFinite(y))
        .map(([x, y], j) => `${j ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
        .join('');
      return (
        `<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5"/>` +
        `<text x="${width - pad.r}" y="${pad.t + 14 * i}" text-anchor="end" font-size="12" fill="${COLORS[i % COLORS.length]}">${escape(s.name)}</text>`
      );
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>${grid}${lines}` +
    `<text x="${pad.l}" y="18" font-size="13">${escape(title)}</text>` +
    `<text x="${(width + pad.l) / 2}" y="${height - 8}" text-anchor="middle" font-size="11">step (${x0}–${x1})</text></svg>`
  );
}

const escape = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
