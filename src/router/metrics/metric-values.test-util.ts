import type { Registry } from "prom-client";

/** One sample of a metric in `registry`, found by name (e.g. a histogram's `_count`) and labels. */
export async function sample(
  registry: Registry,
  metric: string,
  labels: Record<string, string> = {},
  sampleName = metric,
): Promise<number | undefined> {
  const found = registry.getSingleMetric(metric);
  if (!found) throw new Error(`no metric ${metric}`);
  const { values } = await found.get();
  const match = values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? metric) === sampleName &&
      Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want) &&
      Object.keys(v.labels).length === Object.keys(labels).length,
  );
  return match?.value;
}

/** Every label value of every series in the registry's text output, as one list. */
export async function labelValues(registry: Registry): Promise<string[]> {
  const text = await registry.metrics();
  return [...text.matchAll(/[a-z_]+="([^"]*)"/g)].map((m) => m[1] as string);
}
