/** One bar: its x-axis tick and its tooltip. */
export interface Bar {
  key: string;
  tick: string;
  value: number;
  title: string;
}

/** Bars of one series: plain SVG, no chart library in the bundle (usage, analytics). */
export function BarChart({ label, bars }: { label: string; bars: readonly Bar[] }) {
  const width = 640;
  const height = 160;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const step = width / Math.max(bars.length, 1);
  // A tick under every bar up to a dozen; beyond, every nth, so the labels never overlap.
  const tickEvery = Math.ceil(bars.length / 12);
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-label={label}>
      {bars.map((bar, index) => {
        const barHeight = (bar.value / max) * height;
        return (
          <g key={bar.key}>
            <title>{bar.title}</title>
            <rect
              x={index * step + 2}
              y={height - barHeight}
              width={Math.max(step - 4, 1)}
              height={barHeight}
            />
            {index % tickEvery === 0 ? (
              <text x={index * step + step / 2} y={height + 14} textAnchor="middle">
                {bar.tick}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}
