/** Time is an argument (DESIGN.md principle 2): only this module reads the clocks. */
export interface Clock {
  /** Wall-clock milliseconds since the epoch: for timestamps shown to people. */
  now(): number;
  /** Monotonic milliseconds: for every interval, timeout and liveness decision. */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};
