/** One figure a benchmark prints beside its target (issue text). */
export interface BenchResult {
  /** e.g. 'agent idle RSS (host driver only)' */
  name: string;
  value: number;
  unit: string;
  /** Human-readable target, e.g. '<= 80 MiB'; absent when the issue only asks to report. */
  target?: string;
  /** Whether the value meets the target; absent when there is no target. */
  ok?: boolean;
  /** Reference figures or context, e.g. 'Nomad C1M: 3,750/s'. */
  note?: string;
}

/** A benchmark module under test/bench/ exports `bench`; test/bench/run.ts runs them all. */
export interface Bench {
  name: string;
  /** Print why and return [] when a needed daemon or binary is missing. */
  run(): Promise<BenchResult[]>;
}
