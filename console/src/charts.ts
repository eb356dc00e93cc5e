// Drawing a chart widget's rendered series with Chart.js. Only the
// controllers, elements, scales and plugins these four chart types use are
// registered, so the bundle carries nothing else of Chart.js.

import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PieController,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from "chart.js";
import { formatValue } from "./dom";
import type { ChartType, Scalar, Series } from "./types";

Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  PieController,
  ArcElement,
  CategoryScale,
  LinearScale,
  Filler,
  Legend,
  Tooltip,
);

const PALETTE = ["#2563eb", "#f97316", "#16a34a", "#9333ea", "#dc2626", "#0891b2", "#ca8a04", "#db2777"];

function color(index: number): string {
  return PALETTE[index % PALETTE.length] as string;
}

function label(x: Scalar): string {
  return x === null ? "(none)" : formatValue(x);
}

/** The x labels of every series, in the order the server sorted them. */
function labels(series: Series[]): string[] {
  const seen = new Set<string>();
  for (const s of series) for (const point of s.points) seen.add(label(point.x));
  return [...seen];
}

/** A series' y values lined up with `xs`; gaps where it has no point. */
function values(series: Series, xs: string[]): (number | null)[] {
  const byX = new Map(series.points.map((p) => [label(p.x), typeof p.y === "number" ? p.y : null]));
  return xs.map((x) => byX.get(x) ?? null);
}

function configuration(type: ChartType, series: Series[]): ChartConfiguration {
  const xs = labels(series);
  const pie = type === "pie";
  const datasets = series.map((s, i) => ({
    label: s.name,
    data: values(s, xs),
    backgroundColor: pie ? xs.map((_, j) => color(j)) : type === "area" ? `${color(i)}55` : color(i),
    borderColor: pie ? "#ffffff" : color(i),
    fill: type === "area",
    tension: 0.25,
  }));
  return {
    type: pie ? "pie" : type === "bar" ? "bar" : "line",
    data: { labels: xs, datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      // Dashboards are drawn again after every change; replaying the
      // entrance animation each time would only get in the way.
      animation: false,
      plugins: { legend: { display: pie || series.length > 1 } },
      scales: pie ? {} : { y: { beginAtZero: true } },
    },
  };
}

/** Draws a chart into `canvas`; answers the function that frees it. */
export function drawChart(canvas: HTMLCanvasElement, type: ChartType, series: Series[]): () => void {
  const chart = new Chart(canvas, configuration(type, series));
  return () => chart.destroy();
}
