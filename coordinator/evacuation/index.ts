export {
  createEvacuationController,
  type EvacuationController,
  type EvacuationDeps,
} from './controller.js';
export { evacuationSchema, DEFAULT_EVACUATION, type EvacuationConfig } from './config.js';
export { metaProgressStore, memoryProgressStore, type ProgressStore } from './progress.js';
export { decide, FENCE_FAILED_FLAG } from './decide.js';
export { brakeStep, operatorBrake } from './brake.js';
export { registerEvacuationMetrics } from './metrics.js';
