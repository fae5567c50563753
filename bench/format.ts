/** Number formatting for the report. */

export function int(x: number | null | undefined): string {
  return typeof x === 'number' ? Math.round(x).toLocaleString('en-US') : '–';
}

export function ms(x: number | null | undefined): string {
  if (typeof x !== 'number') return '–';
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : String(Number(x.toPrecision(3)));
}

export function mib(kib: number | null | undefined): string {
  return typeof kib === 'number' ? `${Math.round(kib / 1024).toLocaleString('en-US')} MiB` : '–';
}

export function ratio(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${x.toFixed(2)}×` : '–';
}

/** A figure formatted by what its metric name says it is. */
export function byMetric(metric: string, x: number | null | undefined): string {
  if (metric.endsWith('Ms')) return `${ms(x)} ms`;
  if (metric.endsWith('KiB')) return mib(x);
  if (metric.endsWith('PerSec')) return `${int(x)}/s`;
  if (metric.endsWith('Ratio')) return x === null || x === undefined ? '–' : `${x.toFixed(2)} ×`;
  return int(x);
}
