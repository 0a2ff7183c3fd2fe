/** Results of proxy-operations experiments, as stored in run.json (`experiments`). */

export interface ExperimentResultBase {
  kind: string;
  name: string;
  outcome: 'completed' | 'failed' | 'aborted';
  message?: string;
}

export type ExperimentResult = ExperimentResultBase;
