import { useEffect, useRef, useState, type ReactNode } from 'react';
import { runApi, runStatsUrl, type RunStatsSample } from '../api.js';
import { formatBytes } from '../format.js';

/** The span the charts show: the server keeps the last 120 samples, about one a second. */
const WINDOW_MS = 120_000;
/** A stream that ends at once while the run runs raced the container's start: asked again this often. */
const RETRIES = 3;

interface Stats {
  readonly samples: readonly RunStatsSample[];
  readonly peak: number | null;
  readonly live: boolean;
}

/**
 * A running container's CPU and memory as two small charts, followed from the stats stream while
 * the container runs; afterwards the last samples stay (the memory curve before a crash).
 * Plain SVG polylines: two series of at most 120 points need no chart library.
 */
export function RunStats({
  runId,
  running,
  peakMemoryBytes,
}: {
  runId: string;
  running: boolean;
  peakMemoryBytes: number | null;
}) {
  const [stats, setStats] = useState<Stats>({ samples: [], peak: peakMemoryBytes, live: false });
  const runningRef = useRef(running);
  runningRef.current = running;

  useEffect(() => {
    let closed = false;
    let source: EventSource | null = null;
    let retryTimer = 0;
    const add = (sample: RunStatsSample) =>
      setStats((s) => {
        const last = s.samples[s.samples.length - 1];
        if (last && sample.at <= last.at) return s; // a reconnect sends the kept samples again
        const samples = [...s.samples, sample].slice(-120);
        return { samples, peak: Math.max(s.peak ?? 0, sample.memoryBytes), live: true };
      });
    const follow = (attempt: number) => {
      let got = 0;
      const es = new EventSource(runStatsUrl(runId), { withCredentials: true });
      source = es;
      es.addEventListener('sample', (event) => {
        got++;
        add(JSON.parse((event as MessageEvent<string>).data) as RunStatsSample);
      });
      es.addEventListener('end', (event) => {
        es.close();
        const { peakMemoryBytes: peak } = JSON.parse((event as MessageEvent<string>).data) as {
          peakMemoryBytes: number | null;
        };
        setStats((s) => ({ ...s, peak: peak ?? s.peak, live: false }));
        if (!closed && got === 0 && runningRef.current && attempt < RETRIES)
          retryTimer = window.setTimeout(() => follow(attempt + 1), 1000);
      });
    };
    if (running) follow(0);
    else {
      // an ended run: the samples kept from its last minutes, read once
      runApi.stats(runId).then(
        (r) => !closed && setStats({ samples: r.samples, peak: r.peakMemoryBytes, live: r.live }),
        () => undefined,
      );
    }
    return () => {
      closed = true;
      source?.close();
      window.clearTimeout(retryTimer);
    };
  }, [runId, running]);

  const { samples } = stats;
  const last = samples[samples.length - 1];
  const peak = Math.max(stats.peak ?? 0, peakMemoryBytes ?? 0) || null;
  const limit = last?.memoryLimitBytes ?? null;
  if (!last && !running && peak === null) return null;
  // each chart is scaled to what the run used (a 2 MiB service under a 1 GiB limit is not a flat line);
  // the top of the scale is written in the chart's corner
  const cpuTop = Math.max(5, ...samples.map((s) => s.cpuPercent)) * 1.2;
  const memoryTop = Math.min(
    limit ?? Infinity,
    Math.max(peak ?? 0, ...samples.map((s) => s.memoryBytes), 1024 * 1024) * 1.25,
  );
  return (
    <section className="panel run-stats" data-testid="run-stats" data-live={stats.live} data-samples={samples.length}>
      <Sparkline
        testId="cpu-chart"
        label="CPU"
        value={last ? `${last.cpuPercent.toFixed(1)} %` : '—'}
        detail={last ? '100 % is one core' : running ? 'waiting for the first sample…' : 'no samples kept'}
        points={samples.map((s) => [s.at, s.cpuPercent])}
        max={cpuTop}
        scale={`${Math.round(cpuTop)} %`}
      />
      <Sparkline
        testId="memory-chart"
        label="Memory"
        value={last ? formatBytes(last.memoryBytes) : '—'}
        detail={
          <>
            <span data-testid="memory-peak">peak {formatBytes(peak)}</span>
            {limit ? <span data-testid="memory-limit"> · limit {formatBytes(limit)}</span> : null}
          </>
        }
        points={samples.map((s) => [s.at, s.memoryBytes])}
        max={memoryTop}
        scale={formatBytes(memoryTop)}
        mark={peak ? peak / memoryTop : undefined}
      />
    </section>
  );
}

const W = 240;
const H = 44;

function Sparkline({
  label,
  value,
  detail,
  points,
  max,
  scale,
  mark,
  testId,
}: {
  label: string;
  value: string;
  detail: ReactNode;
  /** [unix ms, value], oldest first */
  points: Array<[at: number, value: number]>;
  /** the value at the top of the chart */
  max: number;
  scale: string;
  /** a dashed line at this fraction of `max` (the peak) */
  mark?: number;
  testId: string;
}) {
  const end = points.length ? points[points.length - 1]![0] : 0;
  const yOf = (fraction: number) => H - Math.min(1, Math.max(0, fraction)) * (H - 2) - 1;
  const markY = mark === undefined ? null : yOf(mark);
  const xy = points.map(([at, v]) => {
    const x = W - ((end - at) / WINDOW_MS) * W;
    return `${x.toFixed(1)},${yOf(v / max).toFixed(1)}`;
  });
  const line = xy.join(' ');
  const area = xy.length > 1 ? `M${xy[0]!.split(',')[0]},${H} L${xy.join(' L')} L${W},${H} Z` : '';
  return (
    <figure className="spark" data-testid={testId} data-points={points.length}>
      <figcaption className="spark-head">
        <span className="spark-label">{label}</span>
        <span className="spark-value mono" data-testid={`${testId}-value`}>
          {value}
        </span>
        <span className="spark-detail muted">{detail}</span>
      </figcaption>
      <div className="spark-plot">
        <span className="spark-scale" aria-hidden>
          {scale}
        </span>
        <svg
          className="spark-svg"
          viewBox={`0 0 ${W} ${H}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={`${label}: ${value}`}
        >
          {markY !== null && <line className="spark-peak" x1={0} x2={W} y1={markY} y2={markY} />}
          {area && <path className="spark-area" d={area} />}
          {xy.length > 1 && <polyline className="spark-line" points={line} vectorEffect="non-scaling-stroke" />}
        </svg>
      </div>
    </figure>
  );
}
