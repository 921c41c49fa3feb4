import './schema.js';

export * from './model.js';
export { type GraphError, validateJourney, structuralErrors } from './validate.js';
export {
  type By,
  type Journey,
  type JourneyInput,
  type JourneySummary,
  invalidGraph,
  createJourney,
  updateJourney,
  publishJourney,
  pauseJourney,
  resumeJourney,
  archiveJourney,
  getJourney,
  listJourneys,
} from './journeys.js';
export type { JourneyStatus, RunStatus, RunContext, WaitEvent } from './schema.js';
export { enterJourney, runJourneysOnce, startJourneysWorker } from './worker.js';
export { journeyRoutes } from './routes.js';
export { listRuns, getRun, stepCounts, listTasks, completeTask, type RunView, type StepCounts, type TaskView } from './views.js';
export { BUILTIN_TEMPLATE_ID } from './engine.js';
export { insertRuns, liveJourneys } from './enter.js';
