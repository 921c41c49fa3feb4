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
