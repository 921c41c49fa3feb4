// Result types of src/journeys/views.ts, kept free of runtime imports: the console imports them (type-only, as Wire<…>).

export type RunStatus = 'active' | 'waiting' | 'completed' | 'exited' | 'converted' | 'holdout' | 'parked' | 'failed';

export interface RunView {
  id: string;
  journeyId: string;
  version: number;
  customerId: string;
  status: RunStatus;
  stepId: string | null;
  enteredAt: Date;
  nextAt: Date | null;
  finishedAt: Date | null;
  exitReason: string | null;
  holdout: boolean;
  arm: string | null;
  convertedAt: Date | null;
  conversionValueFen: number | null;
  attempts: number;
  waitEvent: unknown;
  context: unknown;
}

export interface StepCounts {
  entered: number;
  waiting: number;
  passed: number;
  exited: number;
  converted: number;
}

export interface TaskView {
  id: string;
  customerId: string;
  assignee: string | null;
  title: string;
  detail: string;
  status: 'open' | 'done';
  dueAt: Date;
  createdAt: Date;
  doneAt: Date | null;
  doneBy: string | null;
  journeyId: string | null;
  runId: string | null;
  stepId: string | null;
}
